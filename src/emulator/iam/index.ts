/** CVAT's permission rules (the `.rego` files under cvat/apps/<app>/rules), one module per resource. */
export { actorIn, allows, hasRole } from './actor';
export type { Actor, Rule } from './actor';
export { mayCreate } from './creation';
export { jobListed, jobRule } from './jobs';
export type { JobFacts, JobScope } from './jobs';
export { listFilter } from './lists';
export { projectListed, projectRule } from './projects';
export type { ProjectScope } from './projects';
export { taskListed, taskRule } from './tasks';
export type { TaskFacts, TaskScope } from './tasks';
export { fieldScopes } from './fields';
export { mayChangeMembership, mayViewMembership, membershipListed } from './memberships';
export { commentRule, issueCreateRule, isIssueStaff, issueListed, issueRule } from './issues';
export type { IssueFacts, IssueScope } from './issues';
