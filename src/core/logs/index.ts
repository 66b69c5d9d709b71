/** Provider-independent log tailing: the line model's colours, filters, "since" and de-duplication. */
export { httpStatusOf, levelOf, type LogLevel } from './classify';
export { compileFilter, isStructuredPattern, type LineFilter } from './filter';
export { RecentKeys } from './recentKeys';
export { formatClock, LEVEL_COLOURS, paint, renderLine, statusColour, stripAnsi, type Colour, type LogKind, type RenderOptions } from './render';
export { DEFAULT_SINCE_MS, parseSince, startTimeOf } from './since';
