// The daemon's start failures; the class lives in src/schema, where the store can reach it too.
export { StartFailure, type StartFailureReason } from '../schema/start-failure.js';
