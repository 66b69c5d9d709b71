/** Provider-independent log tailing: the line model's colours, filters, "since", de-duplication and deployment markers. */
export { httpStatusOf, isErrorLine, levelOf, type LogLevel } from './classify';
export { compileFilter, isStructuredPattern, type LineFilter } from './filter';
export { deployMarkers, type DeployMarker } from './markers';
export { RecentKeys } from './recentKeys';
export { formatClock, LEVEL_COLOURS, paint, renderLine, statusColour, stripAnsi, type Colour, type LogKind, type RenderOptions } from './render';
export { DEFAULT_SINCE_MS, parseSince, startTimeOf } from './since';
export { DEFAULT_SUMMARY_WINDOW_MS, DeployTimeline, type TimelineOptions } from './timeline';
export { stageLogs, stageMarkers, withDeployMarkers, type MarkedTailOptions } from './withMarkers';
