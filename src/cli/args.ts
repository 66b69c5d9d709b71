export { dirOption, parseCommandArgs } from '../core/commandLine';
