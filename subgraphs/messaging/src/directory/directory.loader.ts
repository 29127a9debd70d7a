import { perRequest, type RequestContext } from '@caregraph/platform';
import DataLoader from 'dataloader';
import { DirectoryAccount } from './directory-account.entity';

/** Directory accounts by user id, batched per request (null where unknown). */
export function directoryAccounts(ctx: RequestContext): DataLoader<string, DirectoryAccount | null> {
  return perRequest(ctx, directoryAccounts, () => new DataLoader<string, DirectoryAccount | null>(async (userIds) => {
    const rows = await ctx.em.find(DirectoryAccount, { userId: { $in: [...userIds] } });
    const byId = new Map(rows.map((row) => [row.userId, row]));
    return userIds.map((id) => byId.get(id) ?? null);
  }));
}
