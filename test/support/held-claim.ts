import type { INestApplication } from '@nestjs/common';
import type { Task } from '../../src/task-store/task.js';
import { TaskClaimer } from '../../src/worker/task-claimer.js';

/** Where to hold a claim: before its statement reaches the database, or once it started a task that matches. */
export type HoldPoint = 'before' | { after: (task: Task) => boolean };

export interface HeldClaim {
  /** Resolves once a claim is held there, with the tasks it started (none when held before its statement). */
  held: Promise<Task[]>;
  /** Lets the held claim go on; resolves with the tasks it started, just before the supervisor gets them. */
  release(): Promise<Task[]>;
}

/**
 * Holds one claim of a replica's supervisor, to force an interleaving that would otherwise depend on the
 * machine's speed: a stop that reaches the database before the claim does, or after the claim committed but
 * before its reply reached the supervisor. The claim is the replica's own, with its real statement; only its
 * moment is chosen. Claims after the held one run as usual. Release it in a `finally`: a replica that is held
 * in a claim round waits for it at shutdown.
 */
export function holdNextClaim(app: INestApplication, point: HoldPoint): HeldClaim {
  const claimer = app.get(TaskClaimer);
  const claim = claimer.claim.bind(claimer);
  const stopHolding = (): boolean => delete (claimer as Partial<TaskClaimer>).claim; // back to the class's method
  let markHeld!: (tasks: Task[]) => void;
  let letGo!: () => void;
  let markDone!: (tasks: Task[]) => void;
  const held = new Promise<Task[]>((resolve) => (markHeld = resolve));
  const gate = new Promise<void>((resolve) => (letGo = resolve));
  const done = new Promise<Task[]>((resolve) => (markDone = resolve));

  claimer.claim = async (...args) => {
    if (point === 'before') {
      stopHolding();
      markHeld([]);
      await gate;
      const claimed = await claim(...args);
      markDone(claimed.started);
      return claimed;
    }
    const claimed = await claim(...args);
    if (!claimed.started.some(point.after)) return claimed;
    stopHolding();
    markHeld(claimed.started);
    await gate;
    markDone(claimed.started);
    return claimed;
  };
  return {
    held,
    release: () => {
      stopHolding();
      letGo();
      return done;
    },
  };
}
