import { isDeepStrictEqual } from 'node:util';
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import { type Collection, MongoServerError, ObjectId, type WithId } from 'mongodb';
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

function toView({ _id, created_at, updated_at, ...rest }: WithId<PersonDocument>): PersonView {
  // Documents inserted by other tools may carry an _id that is not an ObjectId.
  const id: unknown = _id;
  const view: PersonView = { ...rest, _id: id instanceof ObjectId ? id.toHexString() : String(id) };
  // Documents written by the original service have no timestamps.
  if (created_at instanceof Date) view.created_at = created_at.toISOString();
  if (updated_at instanceof Date) view.updated_at = updated_at.toISOString();
  return view;
}

const isDuplicateKey = (error: unknown) => error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/** How long to wait before trying again to build the unique index that existing duplicates blocked. */
const BLOCKED_INDEX_RETRY_MS = 60_000;

export class PersonsRepository {
  #uniqueIndex: Promise<boolean> | undefined;

  constructor(
    private readonly collection: Collection<PersonDocument>,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * The unique index on person_id is what makes a duplicate POST a 409; writes wait for it. Resolves false when
   * duplicates already stored (the original service allowed them) block the index: creates then check before
   * inserting, and the build is tried again a minute later. Other failures (MongoDB down) are retried on the
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

  async list(limit: number, after?: ObjectId): Promise<PersonsPage> {
    // Sorting on _id gives a stable keyset cursor that needs no extra index and works the same on FerretDB.
    const docs = await this.collection
      .find(after ? { _id: { $gt: after } } : {})
      .sort({ _id: 1 })
      .limit(limit + 1)
      .toArray();
    const page = docs.slice(0, limit);
    const last = page.at(-1);
    const persons = page.map(toView);
    return { persons, next: docs.length > limit && last ? (persons.at(-1)?._id ?? null) : null };
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
    if (
      !(await this.ensureIndexes()) &&
      (await this.collection.countDocuments({ person_id: personId }, { limit: 1 }))
    ) {
      throw conflict();
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

  async update(personId: string, fields: PersonUpdate): Promise<UpdateResult> {
    // Read, compare, then write: an identical PUT is "No changes made" and keeps updated_at. The comparison is
    // done here rather than with $expr in the filter, which FerretDB does not support.
    const current = await this.collection.findOne({ person_id: personId });
    if (!current) return { found: false };
    const changed = Object.entries(fields).some(
      ([key, value]) => !isDeepStrictEqual(current[key as keyof PersonDocument], value),
    );
    if (!changed) return { found: true, modified: 0 };
    const result = await this.collection.updateOne(
      { person_id: personId },
      { $set: { ...fields, updated_at: new Date() } },
    );
    return result.matchedCount > 0 ? { found: true, modified: result.modifiedCount } : { found: false };
  }

  async remove(personId: string): Promise<boolean> {
    const result = await this.collection.deleteOne({ person_id: personId });
    return result.deletedCount > 0;
  }
}

export default fp(
  async (app) => {
    const repository = new PersonsRepository(app.mongo.db.collection<PersonDocument>('persons'), app.log);
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
