import type {
  AccessTokenRec,
  AnnotationsRec,
  CloudStorageRec,
  CommentRec,
  InvitationRec,
  IssueRec,
  JobRec,
  LabelRec,
  MembershipRec,
  OrgRec,
  ProjectRec,
  RequestRec,
  TaskRec,
  UserRec,
} from './model';

/** Everything the emulator remembers. One instance per running emulator. */
export class State {
  readonly users = new Map<number, UserRec>();
  readonly orgs = new Map<number, OrgRec>();
  readonly memberships = new Map<number, MembershipRec>();
  readonly invitations = new Map<string, InvitationRec>();
  readonly projects = new Map<number, ProjectRec>();
  readonly tasks = new Map<number, TaskRec>();
  readonly jobs = new Map<number, JobRec>();
  readonly labels = new Map<number, LabelRec>();
  readonly issues = new Map<number, IssueRec>();
  readonly comments = new Map<number, CommentRec>();
  readonly requests = new Map<string, RequestRec>();
  readonly accessTokens = new Map<number, AccessTokenRec>();
  readonly cloudStorages = new Map<number, CloudStorageRec>();
  /** Legacy `Token` keys (one per user, as DRF's authtoken). */
  readonly tokenKeys = new Map<string, number>();
  readonly sessions = new Map<string, { userId: number; csrf: string }>();
  /** Annotations per task, in task frame numbers; jobs see the slice of their frames. */
  readonly annotations = new Map<number, AnnotationsRec>();
  private readonly counters = new Map<string, number>();

  constructor(readonly tempDir: string) {}

  nextId(kind: string): number {
    const next = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, next);
    return next;
  }

  annotationsOf(taskId: number): AnnotationsRec {
    let a = this.annotations.get(taskId);
    if (!a) {
      a = { version: 0, tags: [], shapes: [], tracks: [] };
      this.annotations.set(taskId, a);
    }
    return a;
  }

  userByName(username: string): UserRec | undefined {
    for (const u of this.users.values()) if (u.username === username) return u;
    return undefined;
  }

  membershipOf(userId: number, orgId: number): MembershipRec | undefined {
    for (const m of this.memberships.values())
      if (m.user_id === userId && m.org_id === orgId && m.is_active) return m;
    return undefined;
  }
}
