import { planRetention } from './retention';
import { sharingGrants } from './sharing';

describe('planRetention', () => {
  it('keeps the newest versions', () => {
    expect(planRetention([1, 2, 3, 4], 2, 4, new Map())).toEqual({
      deleted: [2, 1],
      kept: [
        { version: 4, reason: 'one of the newest 2' },
        { version: 3, reason: 'one of the newest 2' },
      ],
    });
  });

  it('keeps versions in use', () => {
    const plan = planRetention([1, 2, 3], 1, 3, new Map([[1, 'orders']]));

    expect(plan.deleted).toEqual([2]);
    expect(plan.kept).toContainEqual({
      version: 1,
      reason: 'used by function orders',
    });
  });

  it('keeps the version just published', () => {
    // A forced publish while a newer version exists elsewhere: version 2 is
    // not among the newest 1 but was just published.
    const plan = planRetention([1, 2, 3], 1, 2, new Map());

    expect(plan.deleted).toEqual([1]);
    expect(plan.kept).toContainEqual({ version: 2, reason: 'just published' });
  });
});

describe('sharingGrants', () => {
  it('has stable statement ids', () => {
    const grants = sharingGrants({
      accounts: ['111122223333'],
      organizationId: 'o-abc',
    });

    expect(grants.map((grant) => grant.statementId)).toEqual([
      'nx-lambda-layers-account-111122223333',
      'nx-lambda-layers-org-o-abc',
    ]);
    expect(grants[1]).toMatchObject({
      principal: '*',
      organizationId: 'o-abc',
    });
  });

  it('no sharing means no grants', () => {
    expect(sharingGrants({ accounts: [] })).toEqual([]);
  });
});
