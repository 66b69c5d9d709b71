export { buildEvidence, type ApprovalEvidence, type EvidenceOptions } from './evidence';
export { canonicalJson, evidenceDigest } from './digest';
export { evidenceLines, sbomNews } from './format';
export { stageConfigDiff } from './configDiff';
