export { buildArtifact, loadArtifact, removeArtifact, type ArtifactManifest, type BuiltArtifact, type BuildArtifactOptions } from './artifact';
export { SUPPORTED_INSTRUCTIONS } from './plan';
export { SUPPORTED_IMAGES } from './runtimes';
