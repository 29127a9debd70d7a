import { badInput, flattenValidationErrors } from '@caregraph/platform';
import { plainToInstance } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsUUID, Min, validate } from 'class-validator';

/** chart:join: the chart to view, and where the client's copy of its comments ends (for the replay). */
export class ChartJoinPayload {
  @IsUUID() patientId!: string;
  /** The last comment the client saw: every change after its creation is replayed. */
  @IsOptional() @IsUUID() lastCommentId?: string | null;
  /** The seq of the last change the client applied (more exact than lastCommentId). */
  @IsOptional() @IsInt() @Min(0) lastSeq?: number | null;
}

export class ChartPayload {
  @IsUUID() patientId!: string;
}

export class TypingPayload {
  @IsUUID() patientId!: string;
  @IsBoolean() typing!: boolean;
}

type Prepare = (raw: Record<string, unknown>) => Record<string, unknown>;

/**
 * A socket event's payload as an instance of `type`, validated like a GraphQL input: BAD_USER_INPUT
 * naming the first field at fault (never its value) when it is not an object or not valid.
 */
export async function parsePayload<T extends object>(type: new () => T, payload: unknown, prepare: Prepare = (raw) => raw): Promise<T> {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw badInput('payload', 'The event needs an object as its payload');
  const instance = plainToInstance(type, prepare({ ...(payload as Record<string, unknown>) }));
  const errors = await validate(instance, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  const [first] = flattenValidationErrors(errors);
  if (first) throw badInput(first.field, `${first.field} ${first.message.replace(/^\S+\s/, '')}`);
  return instance;
}
