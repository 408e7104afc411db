/**
 * What app and environment files import: the spec types and their helpers.
 */
export * from './app.ts';
export * from './environment.ts';
