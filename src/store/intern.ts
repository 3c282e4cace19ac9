import type { Database, Statement } from "./db.js";
import { canonicalJson } from "./json.js";
import { int } from "./read-row.js";

/**
 * Interned strings (`names`) and resources (`resources`): each distinct value is stored once and
 * referenced by id. Ids are cached per connection; callers must `reset()` after a rolled-back
 * transaction, since an id handed out inside it may be given to another value later.
 */
export class Interner {
  private ids = new Map<string, number>();
  private readonly select: Statement;
  private readonly insert: Statement;

  constructor(db: Database, table: "names" | "resources") {
    const column = table === "names" ? "value" : "json";
    this.select = db.prepare(`SELECT id FROM ${table} WHERE ${column} = ?`);
    this.insert = db.prepare(`INSERT INTO ${table} (${column}) VALUES (?) RETURNING id`);
  }

  /** The id of `value`, inserting it if new; call inside a write transaction. */
  id(value: string): number {
    const cached = this.ids.get(value);
    if (cached !== undefined) return cached;
    const id = int((this.select.get(value) ?? this.insert.get(value))?.id);
    this.ids.set(value, id);
    return id;
  }

  ref(value: string | null): number | null {
    return value === null ? null : this.id(value);
  }

  reset(): void {
    this.ids = new Map();
  }
}

/** Resources by content; the SDK hands the same attributes object to every span of a process. */
export class ResourceInterner {
  private byObject = new WeakMap<object, number>();
  private readonly interner: Interner;

  constructor(db: Database) {
    this.interner = new Interner(db, "resources");
  }

  id(resource: Readonly<Record<string, unknown>>): number {
    const cached = this.byObject.get(resource);
    if (cached !== undefined) return cached;
    const id = this.interner.id(canonicalJson(resource));
    this.byObject.set(resource, id);
    return id;
  }

  reset(): void {
    this.byObject = new WeakMap();
    this.interner.reset();
  }
}
