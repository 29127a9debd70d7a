import { loadGatewayConfig } from './config';

/** The one required variable (its value is only parsed when the gateway starts). */
const KEY = { GATEWAY_ASSERTION_PRIVATE_KEY: 'pem' };
import { DEFAULT_MAX_BODY_BYTES } from './gateway';
import { DEFAULT_QUERY_LIMITS } from './query-limits';
import { DEFAULT_RATE_LIMITS } from './rate-limit';

describe('gateway configuration', () => {
  it('defaults to development with the default limits', () => {
    const { options } = loadGatewayConfig(KEY);
    expect(options.production).toBe(false);
    expect(options.queryLimits).toEqual(DEFAULT_QUERY_LIMITS);
    expect(options.maxBodyBytes).toBe(DEFAULT_MAX_BODY_BYTES);
    expect(options.rateLimit).toEqual({ ...DEFAULT_RATE_LIMITS, keyPrefix: 'caregraph-gw' });
    expect(options.trustProxy).toBeUndefined();
  });

  it('reads production mode, limits, budgets and trust proxy from the environment', () => {
    const { options } = loadGatewayConfig({
      ...KEY,
      NODE_ENV: 'production',
      GATEWAY_MAX_DEPTH: '7',
      GATEWAY_MAX_BODY_BYTES: '2048',
      RATE_LIMIT_WINDOW_SEC: '10',
      RATE_LIMIT_ANONYMOUS: '5',
      RATE_LIMIT_KEY_PREFIX: 'staging-gw',
      GATEWAY_TRUST_PROXY: '1',
    });
    expect(options.production).toBe(true);
    expect(options.queryLimits.maxDepth).toBe(7);
    expect(options.maxBodyBytes).toBe(2048);
    expect(options.rateLimit && options.rateLimit.anonymous).toEqual({ points: 5, durationSec: 10 });
    expect(options.rateLimit && options.rateLimit.user).toEqual({ points: DEFAULT_RATE_LIMITS.user.points, durationSec: 10 });
    expect(options.rateLimit && options.rateLimit.keyPrefix).toBe('staging-gw');
    expect(options.trustProxy).toBe(1);
    expect(loadGatewayConfig({ ...KEY, GATEWAY_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).options.trustProxy).toBe('loopback, 10.0.0.0/8');
  });

  it('turns rate limiting off and rejects a bad value naming the variable', () => {
    expect(loadGatewayConfig({ ...KEY, RATE_LIMIT_ENABLED: 'false' }).options.rateLimit).toBe(false);
    expect(() => loadGatewayConfig({ ...KEY, GATEWAY_MAX_COST: 'lots' })).toThrow(/GATEWAY_MAX_COST/);
  });
});
