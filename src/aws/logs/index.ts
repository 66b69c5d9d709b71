/** CloudWatch Logs for AWS stages: Live Tail with a FilterLogEvents fallback. Import lazily (it loads the SDK). */
export { tailCloudWatchLogs, type CloudWatchTailOptions } from './tail';
export { stageLogGroupName } from './logGroups';
export { CallPacer } from './callPacer';
export { StreamVersions, tagWithStreamVersions, taskIdOfStream } from './streamVersions';
