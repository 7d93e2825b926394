// The connection of an open ProjectStore, for tests that look beneath the
// typed queries (pragmas, raw rows) or change rows the API never would. The
// same connection, not a second one: its pragmas and its view of the WAL
// are the store's own.
export { connectionOf as projectSql } from '../../db/connection.js';
