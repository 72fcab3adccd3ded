import { type Static, Type } from '@sinclair/typebox';

/**
 * The fields a client may write. Unknown fields are rejected, not stored: a contact record is a fixed shape,
 * and silently keeping arbitrary keys is how the original service let clients write `_id` and friends.
 */
const writableFields = {
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'Full name (not blank)' }),
  email: Type.String({ format: 'email', maxLength: 254 }),
  phone: Type.String({ pattern: '^[0-9+()./ -]{3,32}$', description: 'Digits, spaces and + ( ) . / -' }),
  company: Type.String({ minLength: 1, maxLength: 200 }),
  title: Type.String({ minLength: 1, maxLength: 200, description: 'Job title' }),
  address: Type.String({ minLength: 1, maxLength: 500 }),
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50, uniqueItems: true }),
  notes: Type.String({ maxLength: 5000 }),
};

export const PersonCreateBody = Type.Object(
  {
    name: writableFields.name,
    email: Type.Optional(writableFields.email),
    phone: Type.Optional(writableFields.phone),
    company: Type.Optional(writableFields.company),
    title: Type.Optional(writableFields.title),
    address: Type.Optional(writableFields.address),
    tags: Type.Optional(writableFields.tags),
    notes: Type.Optional(writableFields.notes),
  },
  { additionalProperties: false },
);
export type PersonCreate = Static<typeof PersonCreateBody>;

export const PersonUpdateBody = Type.Partial(PersonCreateBody, {
  additionalProperties: false,
  minProperties: 1,
});
export type PersonUpdate = Static<typeof PersonUpdateBody>;

/** Names every writable field, so request guards can tell "unknown" from "not allowed". */
export const WRITABLE_FIELDS = Object.keys(writableFields);

/** `person_id`: the client's own key for a contact, kept as the original API had it, with a bounded charset. */
export const PERSON_ID_PATTERN = '^[A-Za-z0-9_.~-]{1,64}$';
/** New persons only: their id must be one that fits in any URL and log line unescaped. */
export const NewPersonIdParams = Type.Object({
  personId: Type.String({ pattern: PERSON_ID_PATTERN, description: '1-64 of A-Z a-z 0-9 _ . ~ -' }),
});

/**
 * Reads, updates and deletes address any person_id already stored: the original accepted any string (e-mail
 * addresses, spaces, non-ASCII), so legacy persons must stay reachable. The path segment arrives URL-decoded;
 * its length is bounded here and, before decoding, by the router (see MAX_PATH_SEGMENT_LENGTH).
 */
export const STORED_PERSON_ID_MAX_LENGTH = 256;
export const PersonIdParams = Type.Object({
  personId: Type.String({
    minLength: 1,
    maxLength: STORED_PERSON_ID_MAX_LENGTH,
    description: `Any stored person_id, URL-encoded (1-${STORED_PERSON_ID_MAX_LENGTH} characters)`,
  }),
});

/** The longest path segment the router accepts (URL-encoded: a non-ASCII character takes up to 12). */
export const MAX_PATH_SEGMENT_LENGTH = 1024;

/**
 * A stored person as returned: the server's fields plus the person fields exactly as stored. The fields stay
 * open (additionalProperties) because documents written by the original service may hold other keys, types or
 * no person_id at all; reading them must not fail.
 */
export const Person = Type.Object(
  {
    _id: Type.String({ description: 'MongoDB ObjectId as a 24-hex string (other _id types as a string)' }),
    person_id: Type.Optional(Type.String()),
    created_at: Type.Optional(Type.String({ format: 'date-time' })),
    updated_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: true, description: 'Plus the person fields (see the request bodies)' },
);

export const LIST_DEFAULT_LIMIT = 100;
export const LIST_MAX_LIMIT = 1000;

// Query values stay strings and are parsed by the route: the server coerces no types, so a JSON body's `123`
// never turns into the string "123". Other parameters are ignored, as the original ignored them (cache-busters
// such as `_=<timestamp>`).
export const PersonListQuery = Type.Object(
  {
    id: Type.Optional(
      Type.String({
        description: 'MongoDB ObjectId (24 hex characters); empty means "list", as in the original',
      }),
    ),
    limit: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,7}$',
        description: `1-${LIST_MAX_LIMIT}, default ${LIST_DEFAULT_LIMIT}`,
      }),
    ),
    after: Type.Optional(
      Type.String({
        description:
          'Cursor from the `Link` header: the ObjectId of the last person of the previous page (other `_id` types are encoded)',
      }),
    ),
  },
  { additionalProperties: true },
);

export const PersonCreated = Type.Object({
  message: Type.String(),
  id: Type.String(),
  person_id: Type.String(),
});
export const PersonUpdated = Type.Object({
  message: Type.String(),
  person_id: Type.String(),
  modified_count: Type.Optional(Type.Integer()),
});
export const PersonDeleted = Type.Object({ message: Type.String(), person_id: Type.String() });
