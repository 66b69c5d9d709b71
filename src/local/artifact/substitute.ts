/** Docker's variable substitution now lives in core (the compatibility report needs it too). */
export { substitute } from '../../core/substitute';
