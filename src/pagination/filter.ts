/**
 * A typed builder for the `filter` query parameter of CVAT's list endpoints: a JSON Logic
 * expression that CVAT's `JsonLogicFilter` turns into a database query. Only the forms the server
 * implements are produced (cvat/apps/engine/filters.py `_build_Q`):
 *   and / or (one or more operands), ! (not), == < <= > >= with a `var` on the left,
 *   in with a `var` on the left and a list on the right (one of),
 *   in with a string on the left and a `var` on the right (substring),
 *   <= with three operands (between, inclusive), a bare `var` (is set, i.e. not null).
 * CVAT has no `!=`; `ne` is written as `!` around `==`, as CVAT's Python SDK does.
 */

/** A value a filter compares a field with. Dates are ISO strings, as CVAT compares them. */
export type FilterScalar = string | number | boolean | null;

/** The fields of one resource that `filter` accepts, with the type of value each compares with. */
export type FilterShape = Readonly<Record<string, FilterScalar>>;

export interface FilterVar {
  readonly var: string;
}

export type FilterExpression =
  | { readonly '==': readonly [FilterVar, FilterScalar] }
  | { readonly '<': readonly [FilterVar, FilterScalar] }
  | { readonly '>': readonly [FilterVar, FilterScalar] }
  | { readonly '>=': readonly [FilterVar, FilterScalar] }
  | { readonly '<=': readonly [FilterVar, FilterScalar] | readonly [FilterScalar, FilterVar, FilterScalar] }
  | { readonly in: readonly [FilterVar, readonly FilterScalar[]] | readonly [string, FilterVar] }
  | { readonly and: readonly FilterExpression[] }
  | { readonly or: readonly FilterExpression[] }
  | { readonly '!': FilterExpression }
  | FilterVar;

/**
 * An immutable filter over the fields named by `Field`. `JSON.stringify(filter)` and
 * `serializeFilter(filter)` give the string CVAT expects; `filter.expression` the JSON Logic tree.
 */
export class Filter<Field extends string = string> {
  /** Type-level only: the fields this filter reads, so one resource's filter cannot go to another. */
  declare readonly fields?: Field;

  constructor(readonly expression: FilterExpression) {}

  /** The JSON Logic tree, so `JSON.stringify(filter)` is the query value. */
  toJSON(): FilterExpression {
    return this.expression;
  }

  /** The query value, e.g. `{"and":[{"==":[{"var":"name"},"x"]}]}`. */
  toString(): string {
    return JSON.stringify(this.expression);
  }
}

/** The value of the `filter` query parameter; a string is passed through as written. */
export function serializeFilter(filter: Filter | string): string {
  return typeof filter === 'string' ? filter : filter.toString();
}

/** The field names of a filter shape. */
export type FieldOf<Shape extends FilterShape> = keyof Shape & string;
type StringFieldOf<Shape extends FilterShape> = {
  [K in FieldOf<Shape>]: string extends Shape[K] ? K : Shape[K] extends string ? K : never;
}[FieldOf<Shape>];

/** Builds filters for one resource; fields and values are checked against `Shape`. */
export interface FilterBuilder<Shape extends FilterShape> {
  eq<K extends FieldOf<Shape>>(field: K, value: Shape[K]): Filter<K>;
  /** Not equal, sent as `{"!":{"==":…}}` (CVAT has no `!=`). */
  ne<K extends FieldOf<Shape>>(field: K, value: Shape[K]): Filter<K>;
  lt<K extends FieldOf<Shape>>(field: K, value: Shape[K]): Filter<K>;
  lte<K extends FieldOf<Shape>>(field: K, value: Shape[K]): Filter<K>;
  gt<K extends FieldOf<Shape>>(field: K, value: Shape[K]): Filter<K>;
  gte<K extends FieldOf<Shape>>(field: K, value: Shape[K]): Filter<K>;
  /** Inclusive range, `low <= field <= high`. */
  between<K extends FieldOf<Shape>>(field: K, low: Shape[K], high: Shape[K]): Filter<K>;
  /** The field equals one of `values`. */
  in<K extends FieldOf<Shape>>(field: K, values: readonly Shape[K][]): Filter<K>;
  /** The field contains `substring` (case-sensitive on most databases). */
  contains<K extends StringFieldOf<Shape>>(field: K, substring: string): Filter<K>;
  /** The field is not null. */
  isSet<K extends FieldOf<Shape>>(field: K): Filter<K>;
  and(first: Filter<FieldOf<Shape>>, ...rest: readonly Filter<FieldOf<Shape>>[]): Filter<FieldOf<Shape>>;
  or(first: Filter<FieldOf<Shape>>, ...rest: readonly Filter<FieldOf<Shape>>[]): Filter<FieldOf<Shape>>;
  not<K extends FieldOf<Shape>>(filter: Filter<K>): Filter<K>;
}

const v = (field: string): FilterVar => ({ var: field });

/**
 * The builder for one resource: `filterFor<TaskFilterFields>().eq('status', 'annotation')`.
 * The shape only narrows what callers may pass; the JSON produced is the same for every shape.
 */
export function filterFor<Shape extends FilterShape>(): FilterBuilder<Shape> {
  type Field = FieldOf<Shape>;
  return {
    eq: (field, value) => new Filter({ '==': [v(field), value] }),
    ne: (field, value) => new Filter({ '!': { '==': [v(field), value] } }),
    lt: (field, value) => new Filter({ '<': [v(field), value] }),
    lte: (field, value) => new Filter({ '<=': [v(field), value] }),
    gt: (field, value) => new Filter({ '>': [v(field), value] }),
    gte: (field, value) => new Filter({ '>=': [v(field), value] }),
    between: (field, low, high) => new Filter({ '<=': [low, v(field), high] }),
    in: (field, values) => new Filter({ in: [v(field), [...values]] }),
    contains: (field, substring) => new Filter({ in: [substring, v(field)] }),
    isSet: (field) => new Filter(v(field)),
    // At least one operand: CVAT reduces the list and answers an empty one with a server error.
    and: (first, ...rest) => new Filter<Field>({ and: [first, ...rest].map((x) => x.expression) }),
    or: (first, ...rest) => new Filter<Field>({ or: [first, ...rest].map((x) => x.expression) }),
    not: (filter) => new Filter({ '!': filter.expression }),
  };
}

/** An untyped builder, for any field name. */
export const f: FilterBuilder<FilterShape> = filterFor<FilterShape>();

/** A project's, task's or job's `status`. */
export type JobStatus = 'annotation' | 'validation' | 'completed';
/** A job's `stage`. */
export type JobStage = 'annotation' | 'validation' | 'acceptance';
/** A job's `state`. */
export type JobState = 'new' | 'in progress' | 'completed' | 'rejected';

/** `filter` fields of `GET /api/tasks` (CVAT 2.73 schema). Users are compared by username. */
export type TaskFilterFields = {
  readonly assignee: string;
  readonly dimension: '2d' | '3d' | (string & {});
  readonly id: number;
  readonly media_type: string;
  readonly mode: 'annotation' | 'interpolation' | (string & {});
  readonly name: string;
  readonly owner: string;
  readonly project_id: number;
  readonly project_name: string;
  readonly status: JobStatus;
  readonly subset: string;
  readonly tracker_link: string;
  readonly updated_date: string;
  readonly validation_mode: string;
};

/** `filter` fields of `GET /api/projects`. */
export type ProjectFilterFields = {
  readonly assignee: string;
  readonly id: number;
  readonly name: string;
  readonly owner: string;
  readonly status: JobStatus;
  readonly updated_date: string;
};

/** `filter` fields of `GET /api/jobs`. */
export type JobFilterFields = {
  readonly assignee: string;
  readonly dimension: string;
  readonly id: number;
  readonly media_type: string;
  readonly mode: string;
  readonly parent_job_id: number;
  readonly project_id: number;
  readonly project_name: string;
  readonly stage: JobStage;
  readonly state: JobState;
  readonly task_id: number;
  readonly task_name: string;
  readonly type: 'annotation' | 'ground_truth' | 'consensus_replica' | (string & {});
  readonly updated_date: string;
};

/** `filter` fields of `GET /api/requests`. */
export type RequestFilterFields = {
  readonly action: string;
  readonly format: string;
  readonly job_id: number;
  readonly org: string;
  readonly org_id: number;
  readonly project_id: number;
  readonly status: 'queued' | 'started' | 'finished' | 'failed';
  readonly subresource: string;
  readonly target: string;
  readonly task_id: number;
};

/** `filter` fields of `GET /api/users`. */
export type UserFilterFields = {
  readonly first_name: string;
  readonly id: number;
  readonly is_active: boolean;
  readonly last_name: string;
  readonly username: string;
};

/** `filter` fields of `GET /api/labels`. */
export type LabelFilterFields = {
  readonly color: string;
  readonly id: number;
  readonly name: string;
  readonly parent: string;
  readonly parent_id: number;
  readonly type: string;
};

/** `filter` fields of `GET /api/issues`. */
export type IssueFilterFields = {
  readonly assignee: string;
  readonly frame_id: number;
  readonly id: number;
  readonly job_id: number;
  readonly owner: string;
  readonly resolved: boolean;
  readonly task_id: number;
};

/** `filter` fields of `GET /api/comments`. */
export type CommentFilterFields = {
  readonly frame_id: number;
  readonly id: number;
  readonly issue_id: number;
  readonly job_id: number;
  readonly owner: string;
};

/** `filter` fields of `GET /api/organizations`. */
export type OrganizationFilterFields = {
  readonly id: number;
  readonly name: string;
  readonly owner: string;
  readonly slug: string;
};

/** `filter` fields of `GET /api/memberships`. */
export type MembershipFilterFields = {
  readonly id: number;
  readonly role: 'worker' | 'supervisor' | 'maintainer' | 'owner';
  readonly user: string;
};

/** `filter` fields of `GET /api/invitations`. */
export type InvitationFilterFields = {
  readonly accepted: boolean;
  readonly id: number;
  readonly owner: string;
  readonly user_id: number;
};

/** `filter` fields of `GET /api/cloudstorages`. */
export type CloudStorageFilterFields = {
  readonly credentials_type: string;
  readonly description: string;
  readonly id: number;
  readonly name: string;
  readonly owner: string;
  readonly provider_type: string;
  readonly resource: string;
};

/** `filter` fields of `GET /api/webhooks`. */
export type WebhookFilterFields = {
  readonly description: string;
  readonly id: number;
  readonly owner: string;
  readonly project_id: number;
  readonly target_url: string;
  readonly type: 'organization' | 'project';
  readonly updated_date: string;
};
