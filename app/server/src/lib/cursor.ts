import { BSON, ObjectId } from 'mongodb';

const { EJSON } = BSON;

import { badRequest } from './problem.js';

/**
 * The pagination cursor: the `_id` of the last person of a page. An ObjectId is written as its 24 hex digits
 * (the common case, readable in a Link header); any other `_id` a document may carry (a string, a number, a
 * date, written by other tools or the original service) as `~` plus its Extended JSON in base64url, so the
 * type survives the round trip.
 */
export function encodeCursor(id: unknown): string {
  if (id instanceof ObjectId) return id.toHexString();
  return `~${Buffer.from(EJSON.stringify({ id }, { relaxed: false })).toString('base64url')}`;
}

const CURSOR_ERROR = 'after must be a cursor from a Link header (the _id of the last person of a page)';

export function decodeCursor(cursor: string): unknown {
  if (/^[0-9a-f]{24}$/i.test(cursor)) return new ObjectId(cursor);
  if (!cursor.startsWith('~')) throw badRequest(CURSOR_ERROR);
  try {
    const parsed = EJSON.parse(Buffer.from(cursor.slice(1), 'base64url').toString('utf8'), {
      relaxed: false,
    }) as { id?: unknown };
    if (parsed === null || typeof parsed !== 'object' || !('id' in parsed)) throw new Error('no id');
    return parsed.id;
  } catch {
    throw badRequest(CURSOR_ERROR);
  }
}

// BSON's comparison order of types (MongoDB and FerretDB sort _id this way). `$gt` only compares values of the
// same type, so the page after a cursor is "greater of the same type, or any type that sorts later". The aliases
// are those both servers know: FerretDB has no minKey, maxKey, decimal or symbol type, and no _id of those
// types exists in a collection the original service wrote.
const TYPE_ORDER: string[][] = [
  [],
  ['null'],
  ['double', 'int', 'long'],
  ['string'],
  ['object'],
  ['binData'],
  ['objectId'],
  ['bool'],
  ['date'],
  ['timestamp'],
  ['regex'],
  [],
];

function typeRank(value: unknown): number {
  if (value === null || value === undefined) return 1;
  const bsontype = (value as { _bsontype?: string })._bsontype;
  switch (bsontype ?? typeof value) {
    case 'MinKey':
      return 0;
    case 'number':
    case 'bigint':
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return 2;
    case 'string':
    case 'BSONSymbol':
      return 3;
    case 'Binary':
      return 5;
    case 'ObjectId':
      return 6;
    case 'boolean':
      return 7;
    case 'Timestamp':
      return 9;
    case 'BSONRegExp':
      return 10;
    case 'MaxKey':
      return 11;
    default:
      if (value instanceof Date) return 8;
      if (value instanceof RegExp) return 10;
      return 4;
  }
}

/** The filter for the persons after `cursor` in `_id` order, whatever its type. */
export function afterCursor(cursor: unknown): Record<string, unknown> {
  const later = TYPE_ORDER.slice(typeRank(cursor) + 1).flat();
  if (later.length === 0) return { _id: { $gt: cursor } };
  return { $or: [{ _id: { $gt: cursor } }, { _id: { $type: later } }] };
}
