export { StageProxy, type StageProxyOptions, type UpstreamAddress } from './stageProxy';
export { combinedLogLine, type AccessRecord } from './accessLog';
