import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import { type Collection, MongoServerError, ObjectId, type WithId } from 'mongodb';
import { afterCursor, encodeCursor } from '../../lib/cursor.js';
import { HttpProblem } from '../../lib/problem.js';
import type { PersonCreate, PersonUpdate } from '../../schemas/person.js';

export interface PersonDocument extends PersonCreate {
  person_id: string;
  created_at: Date;
  updated_at: Date;
}

export type PersonView = Omit<PersonDocument, 'created_at' | 'updated_at'> & {
  _id: string;
  created_at?: string;
  updated_at?: string;
};

export interface PersonsPage {
  persons: PersonView[];
  /** The cursor for the next page, or null when this page is the last. */
  next: string | null;
}

export type UpdateResult = { found: false } | { found: true; modified: number };

declare module 'fastify' {
  interface FastifyInstance {
    persons: PersonsRepository;
  }
}

const DUPLICATE_KEY = 11000;

const TIMESTAMPS = ['created_at', 'updated_at'] as const;

/**
 * The stored document as the API returns it. The driver hands over a new object per document, so it is turned
 * into the view in place: copying it (rest and spread) cost a list of 100 persons about as much CPU as
 * serializing it.
 */
function toView(doc: WithId<PersonDocument>): PersonView {
  const view = doc as unknown as Record<string, unknown>;
  // Documents inserted by other tools may carry an _id that is not an ObjectId.
  const id: unknown = doc._id;
  view._id = id instanceof ObjectId ? id.toHexString() : String(id);
  // Documents written by the original service have no timestamps (or, written by other tools, other types).
  for (const key of TIMESTAMPS) {
    const value = view[key];
    if (value instanceof Date) view[key] = value.toISOString();
    else if (key in view) delete view[key];
  }
  return view as PersonView;
}

const isDuplicateKey = (error: unknown) => error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/** Claims on person_id, used while the unique index is blocked: `_id` is unique in every collection. */
interface ClaimDocument {
  _id: string;
  claimed_at: Date;
}

/** Far above any create's own duration (its operations are bounded by MONGO_OPERATION_TIMEOUT_MS). */
const CLAIM_STALE_MS = 60_000;

/** Locks that serialise the updates of one person (see PersonsRepository.locked). */
interface LockDocument {
  _id: string;
  token: ObjectId;
  locked_at: Date;
}

/** Longer than any update holds its lock: two bounded operations. */
const LOCK_STALE_MS = 30_000;

/** How long to wait before trying again to build the unique index that existing duplicates blocked. */
const BLOCKED_INDEX_RETRY_MS = 60_000;

export class PersonsRepository {
  #uniqueIndex: Promise<boolean> | undefined;

  constructor(
    private readonly collection: Collection<PersonDocument>,
    private readonly claims: Collection<ClaimDocument>,
    private readonly locks: Collection<LockDocument>,
    private readonly log: FastifyBaseLogger,
    /** How long an update waits for another one of the same person before answering 503. */
    private readonly lockWaitMs: number,
  ) {}

  /**
   * The unique index on person_id is what makes a duplicate POST a 409; writes wait for it. Resolves false when
   * duplicates already stored (the original service allowed them) block the index: creates then claim the id in
   * a side collection first (see create), and the build is tried again a minute later. Other failures (MongoDB down) are retried on the
   * next write.
   */
  ensureIndexes(): Promise<boolean> {
    this.#uniqueIndex ??= this.collection
      .createIndex({ person_id: 1 }, { unique: true, name: 'person_id_unique' })
      .then(() => true)
      .catch(async (error: unknown) => {
        // MongoDB reports duplicates as E11000 and FerretDB with its own message, so ask the data instead.
        if (!(error instanceof MongoServerError) || !(await this.hasDuplicatePersonIds())) {
          this.#uniqueIndex = undefined;
          throw error;
        }
        this.log.error(
          { err: error },
          'persons holds duplicate person_id values, so the unique index cannot be built: remove the duplicates (see README)',
        );
        setTimeout(() => {
          this.#uniqueIndex = undefined;
        }, BLOCKED_INDEX_RETRY_MS).unref();
        return false;
      });
    return this.#uniqueIndex;
  }

  private async hasDuplicatePersonIds(): Promise<boolean> {
    const [duplicate] = await this.collection
      .aggregate([
        { $group: { _id: '$person_id', count: { $sum: 1 } } },
        { $match: { count: { $gt: 1 } } },
        { $limit: 1 },
      ])
      .toArray();
    return duplicate !== undefined;
  }

  async list(limit: number, after?: unknown): Promise<PersonsPage> {
    // Sorting on _id gives a stable keyset cursor that needs no extra index and works the same on FerretDB.
    const docs = await this.collection
      .find(after === undefined ? {} : afterCursor(after))
      .sort({ _id: 1 })
      .limit(limit + 1)
      .toArray();
    const page = docs.slice(0, limit);
    const last = page.at(-1);
    // The cursor is taken from the stored _id, before toView turns it into a string.
    const next = docs.length > limit && last ? encodeCursor(last._id) : null;
    return { persons: page.map(toView), next };
  }

  async findById(id: ObjectId): Promise<PersonView | null> {
    const doc = await this.collection.findOne({ _id: id });
    return doc && toView(doc);
  }

  async findByPersonId(personId: string): Promise<PersonView | null> {
    const doc = await this.collection.findOne({ person_id: personId });
    return doc && toView(doc);
  }

  async create(personId: string, fields: PersonCreate): Promise<string> {
    const conflict = () => new HttpProblem(409, `Person with person_id '${personId}' already exists`);
    if (!(await this.ensureIndexes())) {
      // Without the unique index only a write that MongoDB itself keeps unique makes the create atomic: the
      // claim's _id. A claim is kept for a person that exists, so a second create of it is refused here too.
      if (
        !(await this.claim(personId)) ||
        (await this.collection.countDocuments({ person_id: personId }, { limit: 1 }))
      ) {
        throw conflict();
      }
    }
    const now = new Date();
    try {
      const { insertedId } = await this.collection.insertOne({
        ...fields,
        person_id: personId,
        created_at: now,
        updated_at: now,
      });
      return insertedId.toHexString();
    } catch (error) {
      if (isDuplicateKey(error)) throw conflict();
      throw error;
    }
  }

  /**
   * Takes the claim on person_id; false when another create holds it. A claim older than CLAIM_STALE_MS can only
   * be left by a create that failed between its claim and its insert; it is taken over, atomically, by matching
   * its old time.
   */
  private async claim(personId: string): Promise<boolean> {
    const now = new Date();
    try {
      await this.claims.insertOne({ _id: personId, claimed_at: now });
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const stale = new Date(now.getTime() - CLAIM_STALE_MS);
    const taken = await this.claims.updateOne(
      { _id: personId, claimed_at: { $lt: stale } },
      { $set: { claimed_at: now } },
    );
    return taken.modifiedCount === 1;
  }

  async update(personId: string, fields: PersonUpdate): Promise<UpdateResult> {
    return this.locked(personId, async () => {
      const current = await this.collection.findOne({ person_id: personId });
      if (!current) return { found: false };
      const changed = Object.entries(fields).some(
        ([key, value]) => !isDeepStrictEqual(current[key as keyof PersonDocument], value),
      );
      if (!changed) return { found: true, modified: 0 };
      // The filter also carries the compared state, so even a write that outlived its lock changes nothing twice.
      const differs = Object.entries(fields).map(([key, value]) => ({ [key]: { $ne: value } }));
      const result = await this.collection.updateOne(
        { _id: current._id, $or: differs },
        { $set: { ...fields, updated_at: new Date() } },
      );
      return { found: true, modified: result.modifiedCount };
    });
  }

  /**
   * Runs `work` while holding the lock on person_id: a document in a side collection whose `_id` is the id, so
   * taking it is one insert, atomic on MongoDB and FerretDB alike and across every replica (FerretDB does not
   * re-check an update's filter against concurrent writes, so the filter alone would not be enough there).
   * A lock older than LOCK_STALE_MS was left by a process that died holding it and is removed.
   */
  private async locked<T>(personId: string, work: () => Promise<T>): Promise<T> {
    const token = new ObjectId();
    const deadline = Date.now() + this.lockWaitMs;
    for (;;) {
      try {
        await this.locks.insertOne({ _id: personId, token, locked_at: new Date() });
        break;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      await this.locks.deleteOne({ _id: personId, locked_at: { $lt: new Date(Date.now() - LOCK_STALE_MS) } });
      if (Date.now() > deadline) {
        throw new HttpProblem(
          503,
          `Person '${personId}' is being changed by other requests; try again shortly`,
          {
            'retry-after': '1',
          },
        );
      }
      await sleep(5 + Math.random() * 20);
    }
    try {
      return await work();
    } finally {
      // A release that fails (MongoDB gone) leaves a lock that expires after LOCK_STALE_MS.
      await this.locks.deleteOne({ _id: personId, token }).catch(() => {});
    }
  }

  async remove(personId: string): Promise<boolean> {
    const result = await this.collection.deleteOne({ person_id: personId });
    // While the index is blocked the claim goes with the person, so the id can be created again at once. The
    // person is deleted either way: a claim this cannot remove only blocks the id until it is stale.
    if (result.deletedCount > 0 && (await this.ensureIndexes().catch(() => true)) === false) {
      await this.claims.deleteOne({ _id: personId }).catch(() => {});
    }
    return result.deletedCount > 0;
  }
}

export interface PersonsRepositoryOptions {
  lockWaitMs: number;
}

export default fp<PersonsRepositoryOptions>(
  async (app, { lockWaitMs }) => {
    const { db } = app.mongo;
    if (!db) throw new Error('the mongodb plugin must be registered with a database');
    const repository = new PersonsRepository(
      db.collection<PersonDocument>('persons'),
      db.collection<ClaimDocument>('person_id_claims'),
      db.collection<LockDocument>('person_locks'),
      app.log,
      lockWaitMs,
    );
    app.decorate('persons', repository);
    // Best effort at start; a failure here only means MongoDB is not up yet.
    app.addHook('onReady', async () => {
      repository.ensureIndexes().catch((error: unknown) => {
        app.log.warn({ err: error }, 'could not create indexes yet; will retry on the next write');
      });
    });
  },
  { name: 'persons-repository', dependencies: ['mongodb'] },
);
