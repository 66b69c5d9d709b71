/** The value of `provider:` for AWS stages. */
export const AWS_PROVIDER = 'aws';
