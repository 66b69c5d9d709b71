/** The variable-name rules live with every other input rule in ./inputRules. */
export { envNameProblem, RESERVED_ENV_NAMES } from './inputRules';
