import { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { isoDate, table } from '../format.js';
import { positiveIntegerOption } from '../options.js';

export function enrollmentCommand(context: () => CliContext): Command {
  const enrollment = new Command('enrollment').description(
    'enrollment attempts and requests held for approval',
  );

  enrollment
    .command('list')
    .description('recent enrollment attempts, or with --pending the requests waiting for an operator')
    .option('--pending', 'requests held for approval')
    .option('--limit <n>', 'at most this many rows', positiveIntegerOption, 50)
    .action(async (options: { pending?: boolean; limit: number }) => {
      const ctx = context();
      await ctx.withStore(async (store) => {
        if (options.pending) {
          const pending = await store.pendingEnrollments.list({ status: 'pending', limit: options.limit });
          if (pending.length === 0) return ctx.out('No requests waiting for approval.');
          return ctx.out(
            table(
              ['REQUEST', 'RECEIVED', 'LABEL', 'PROFILE', 'DEVICE', 'REQUESTER'],
              pending.map((p) => [
                p.id,
                isoDate(p.createdAt),
                p.label,
                p.profile,
                p.deviceId ?? '-',
                p.requester,
              ]),
            ),
          );
        }
        const events = await store.enrollments.list({ limit: options.limit });
        ctx.out(
          table(
            ['TIME', 'DEVICE', 'PROTOCOL', 'OPERATION', 'OUTCOME', 'REASON'],
            events.map((e) => [
              isoDate(e.at),
              e.deviceId ?? '-',
              e.protocol,
              e.operation,
              e.outcome,
              e.reasonCode ?? '-',
            ]),
          ),
        );
      });
    });

  for (const [name, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    enrollment
      .command(name)
      .description(
        `${name} a request held for approval; the device gets the answer when it repeats the request`,
      )
      .argument('<request>', 'request id (see enrollment list --pending)')
      .option('--reason <text>', 'why (shown to the device when rejected)')
      .action(async (id: string, options: { reason?: string }) => {
        const ctx = context();
        const now = ctx.io.clock.now();
        await ctx.withStore(async (store) => {
          const record = await store.pendingEnrollments.decide(
            id,
            decision,
            'operator:cli',
            options.reason ?? null,
            now,
          );
          await store.audit.append({
            at: now,
            event: `enrollment.${decision}`,
            actor: 'operator:cli',
            subject: `enrollment:${record.id}`,
            data: {
              label: record.label,
              deviceId: record.deviceId,
              profile: record.profile,
              reason: options.reason ?? null,
            },
          });
          ctx.out(`Request ${record.id} ${decision}.`);
        });
      });
  }
  return enrollment;
}
