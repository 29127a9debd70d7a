import type { Logger, MikroORM } from '@caregraph/platform';
import { AccessRecheckScheduler, startAccessNarrowingConsumer } from './access-narrowing/access-narrowing.consumer';
import type { LiveHub } from './live/live-hub';
import { startNotificationConsumer } from './notifications/notification.consumer';

/**
 * The background work of messages and notifications: the notifications consumer (directory,
 * registrations, clinical alerts) and the access-narrowing consumer with its scheduler. `live`:
 * the hub the socket server serves (toUser, recheckChart), on every instance.
 */
export async function startMessagingWorkers(services: { orm: MikroORM; logger: Logger; live: LiveHub }): Promise<{ stop(): Promise<void> }> {
  const scheduler = new AccessRecheckScheduler(services);
  const consumers = await Promise.all([startNotificationConsumer(services), startAccessNarrowingConsumer({ ...services, scheduler })]);
  scheduler.start();
  return {
    stop: async () => {
      await Promise.all(consumers.map((consumer) => consumer.stop()));
      await scheduler.stop();
    },
  };
}
