// Quiet logs unless a developer asks for them (LOG_LEVEL=debug npm test).
process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'silent';
process.env.NODE_ENV = 'test';
