// Schema 6: a version's settings say hiddenUnits, as the Train request does.
import type { Database } from 'better-sqlite3';

export function migrate0006(db: Database): void {
  // The trainer called the hidden layer's size `hidden` and the contract
  // `hiddenUnits`; one name now, so a stored version's settings read as the
  // request that made them. Only the key changes; its value (a number, or
  // null for no hidden layer) is kept as it is.
  db.exec(`
    UPDATE model_versions
    SET settings = json_remove(json_set(settings, '$.hiddenUnits', json_extract(settings, '$.hidden')), '$.hidden')
    WHERE json_valid(settings) AND json_type(settings, '$.hidden') IS NOT NULL
  `);
}
