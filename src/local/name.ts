/** The value of `provider:` for stages that run on this machine (the default). */
export const LOCAL_PROVIDER = 'local';
