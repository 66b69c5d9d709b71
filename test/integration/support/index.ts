export * from './stagecraft';
export * from './waitFor';
