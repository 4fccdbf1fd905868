import type { PaginatedTaskReadList } from '../../src/models/generated/PaginatedTaskReadList';
import type { Request } from '../../src/models/generated/Request';
import type { RqStatus } from '../../src/models/generated/RqStatus';
import type { TaskRead } from '../../src/models/generated/TaskRead';
import type { LegacyStatusInput, RequestsApiStatusInput } from '../../src/lifecycle/request-status';
import type { Page } from '../../src/pagination/paginate';

// Compile-time checks (tsc): the structural input types accept the generated, decoded types,
// so lifecycle and pagination need not import generated code.
type Fits<A, B> = A extends B ? true : false;
const requestFits: Fits<Request, RequestsApiStatusInput> = true;
const legacyFits: Fits<RqStatus, LegacyStatusInput> = true;
const pageFits: Fits<PaginatedTaskReadList, Page<TaskRead>> = true;

describe('structural input types', () => {
  it('accept the generated Request, RqStatus and PaginatedTaskReadList types', () => {
    expect([requestFits, legacyFits, pageFits]).toEqual([true, true, true]);
  });
});
