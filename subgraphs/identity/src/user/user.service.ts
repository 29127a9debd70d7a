import {
  CLINICIAN_ROLES, badInput, conflict, findPage, forbidden, notFound, toConnection, unauthenticated,
  type Connection, type RequestContext,
} from '@caregraph/platform';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { totp } from '../auth/auth.service';
import { checkPasswordPolicy, hashSecret, normalizeEmail, verifySecret } from '../auth/secrets';
import { ApiClient } from '../client/api-client.entity';
import type { ResolvedIdentityOptions } from '../options';
import { endSessions } from '../session/session-events';
import { requireStaffRole, requireUser } from '../access';
import { publishAccounts } from './account-events';
import { UserAccount } from './user-account.entity';
import type { ChangePasswordArgs, CreateUserInput, UpdateUserInput, UsersArgs } from './user.inputs';

export interface TotpEnrollment {
  secret: string;
  otpauthUri: string;
}

/**
 * User accounts. Org admins manage their own organization's staff (and create patient
 * accounts); compliance officers may list them; everyone manages their own password and TOTP.
 */
export class UserService {
  constructor(private readonly ctx: RequestContext, private readonly options: Pick<ResolvedIdentityOptions, 'totpIssuer'>) {}

  /** The caller: their account, or the partner app's client record. */
  async me(): Promise<UserAccount | ApiClient> {
    const principal = this.ctx.principal;
    if (principal.kind === 'anonymous') throw unauthenticated();
    if (principal.kind === 'client') {
      const client = await this.ctx.em.findOne(ApiClient, { clientId: principal.clientId, active: true });
      if (!client) throw unauthenticated();
      return client;
    }
    return this.self();
  }

  private async self(): Promise<UserAccount> {
    const principal = requireUser(this.ctx.principal);
    const user = await this.ctx.em.findOne(UserAccount, { id: principal.userId, active: true });
    if (!user) throw unauthenticated();
    return user;
  }

  async list(args: UsersArgs, includeCount: boolean): Promise<Connection<UserAccount>> {
    const caller = requireStaffRole(this.ctx.principal, 'org_admin', 'compliance');
    const where: FilterQuery<UserAccount> = { organizationId: caller.organizationId };
    if (args.role) where.role = args.role;
    const page = await findPage(this.ctx.em, UserAccount, where, {
      first: args.first, after: args.after, orderBy: { createdAt: 'asc', id: 'asc' }, includeCount,
    });
    return toConnection(page);
  }

  /** An account of the admin's own organization; another organization's looks like a missing one. */
  private async ownOrgUser(id: string, organizationId: string): Promise<UserAccount> {
    const user = await this.ctx.em.findOne(UserAccount, { id, organizationId });
    if (!user) throw notFound('UserAccount', 'id');
    return user;
  }

  async create(input: CreateUserInput): Promise<UserAccount> {
    const admin = requireStaffRole(this.ctx.principal, 'org_admin');
    checkPasswordPolicy(input.password, 'password');
    const email = normalizeEmail(input.email);
    const isPatient = input.role === 'patient';
    if (isPatient && !input.patientId) throw badInput('patientId', 'patientId is required for a patient account');
    if (!isPatient && input.patientId) throw badInput('patientId', 'patientId is only for patient accounts');
    if (input.practitionerId && !CLINICIAN_ROLES.includes(input.role)) throw badInput('practitionerId', 'practitionerId is only for clinicians');
    if (await this.ctx.em.count(UserAccount, { email })) throw conflict('An account with this email already exists', { field: 'email' });
    const user = this.ctx.em.create(UserAccount, {
      email,
      passwordHash: await hashSecret(input.password),
      role: input.role,
      organizationId: isPatient ? null : admin.organizationId,
      patientId: isPatient ? input.patientId! : null,
      practitionerId: input.practitionerId ?? null,
      displayName: input.displayName.trim(),
    });
    await this.flushAccount(user);
    return user;
  }

  /** Writes the account with its `identity.account` event, in one transaction. */
  private async flushAccount(user: UserAccount): Promise<void> {
    await this.ctx.em.transactional(async (em) => {
      await em.flush();
      await publishAccounts(em, [user.id]);
    });
  }

  async update(input: UpdateUserInput): Promise<UserAccount> {
    const admin = requireStaffRole(this.ctx.principal, 'org_admin');
    const user = await this.ownOrgUser(input.id, admin.organizationId);
    let revoke = false;
    if (input.displayName !== undefined && input.displayName !== null) user.displayName = input.displayName.trim();
    if (input.role !== undefined && input.role !== null && input.role !== user.role) {
      if (input.role === 'patient') throw badInput('role', 'A staff account cannot become a patient account');
      if (user.id === admin.userId) throw badInput('role', 'You cannot change your own role');
      user.role = input.role;
      revoke = true; // a role change takes effect at the next sign-in, not at the next refresh
    }
    if (input.practitionerId !== undefined) {
      if (input.practitionerId && !CLINICIAN_ROLES.includes(user.role)) throw badInput('practitionerId', 'practitionerId is only for clinicians');
      user.practitionerId = input.practitionerId;
    }
    if (input.unlock) {
      user.failedLoginCount = 0;
      user.lockedUntil = null;
    }
    if (!CLINICIAN_ROLES.includes(user.role)) user.practitionerId = null;
    await this.flushAccount(user);
    if (revoke) await this.revokeSessions(user.id, 'role_changed');
    return user;
  }

  async deactivate(id: string): Promise<UserAccount> {
    const admin = requireStaffRole(this.ctx.principal, 'org_admin');
    if (id === admin.userId) throw badInput('id', 'You cannot deactivate your own account');
    const user = await this.ownOrgUser(id, admin.organizationId);
    user.active = false;
    await this.flushAccount(user);
    await this.revokeSessions(user.id, 'deactivated');
    return user;
  }

  private async revokeSessions(userId: string, reason: string, exceptSessionId?: string): Promise<void> {
    await endSessions(this.ctx.em, { userId, exceptSessionId }, reason);
  }

  /** Staff only: a new secret to scan; sign-in asks for codes once confirmTotpEnrollment succeeds. */
  async startTotpEnrollment(): Promise<TotpEnrollment> {
    const principal = requireUser(this.ctx.principal);
    if (principal.role === 'patient') throw forbidden('Two-factor enrollment is for staff accounts');
    const user = await this.self();
    if (user.totpEnabled) throw conflict('Two-factor sign-in is already enabled');
    const secret = totp.generateSecret();
    user.totpSecret = secret;
    await this.ctx.em.flush();
    return { secret, otpauthUri: totp.keyuri(user.email, this.options.totpIssuer, secret) };
  }

  async confirmTotpEnrollment(code: string): Promise<UserAccount> {
    const principal = requireUser(this.ctx.principal);
    if (principal.role === 'patient') throw forbidden('Two-factor enrollment is for staff accounts');
    const user = await this.self();
    if (user.totpEnabled) throw conflict('Two-factor sign-in is already enabled');
    if (!user.totpSecret) throw badInput('code', 'Start the enrollment first');
    if (!totp.check(code, user.totpSecret)) throw badInput('code', 'The code does not match');
    user.totpEnabled = true;
    await this.ctx.em.flush();
    return user;
  }

  /** Changes the caller's password and ends their other sessions. */
  async changePassword(args: ChangePasswordArgs): Promise<boolean> {
    const principal = requireUser(this.ctx.principal);
    const user = await this.self();
    if (!(await verifySecret(user.passwordHash, args.currentPassword))) throw badInput('currentPassword', 'The current password is not correct');
    checkPasswordPolicy(args.newPassword, 'newPassword');
    if (args.newPassword === args.currentPassword) throw badInput('newPassword', 'The new password must differ from the current one');
    user.passwordHash = await hashSecret(args.newPassword);
    await this.ctx.em.flush();
    await this.revokeSessions(user.id, 'password_changed', principal.sessionId);
    return true;
  }
}
