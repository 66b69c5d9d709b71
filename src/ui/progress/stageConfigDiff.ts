// The configuration diff is evidence of an approval: it lives in core (the CLI prints it too).
export { stageConfigDiff } from '../../core/approval/configDiff';
