// Which services this daemon may supervise: in a cluster, those whose lease it holds in the store; on one
// daemon alone (SQLite, memory), every one, with no look-up.
import type { HeldLease, ServiceLeaseTable } from '../store/store.js';
import { SupervisedElsewhere } from './supervised-elsewhere.js';

/** How the nodes of a cluster share the services: the store's leases, and which node this is. */
export interface Supervision {
  leases: ServiceLeaseTable;
  nodeId: string;
}

export class ServiceLeases {
  readonly #supervision: Supervision | undefined;

  constructor(supervision: Supervision | undefined) {
    this.#supervision = supervision;
  }

  /** This node, as a status answer names it: only in a cluster. */
  get nodeId(): string | undefined {
    return this.#supervision?.nodeId;
  }

  /**
   * Takes the service's lease for this node (a new epoch) and sets whether it is wanted running; throws
   * SupervisedElsewhere when another live node holds it. Null alone, where there are no epochs.
   */
  async claim(name: string, isWanted: boolean): Promise<number | null> {
    if (!this.#supervision) return null;
    const { leases, nodeId } = this.#supervision;
    const claim = await leases.claim(name, nodeId, isWanted);
    if ('holder' in claim) throw new SupervisedElsewhere(name, claim.holder);
    return claim.held.epoch;
  }

  /** Throws SupervisedElsewhere when another live node holds the service's lease: that node answers for it. */
  async answerHere(name: string): Promise<void> {
    if (!this.#supervision) return;
    const { leases, nodeId } = this.#supervision;
    const holder = await leases.holder(name);
    if (holder !== undefined && holder !== nodeId) throw new SupervisedElsewhere(name, holder);
  }

  /** Of these leases, the services this node no longer holds at that epoch. */
  async lost(held: readonly HeldLease[]): Promise<Set<string>> {
    if (!this.#supervision || held.length === 0) return new Set();
    return new Set(await this.#supervision.leases.lost(this.#supervision.nodeId, held));
  }

  /** Takes the leases of wanted services whose supervisor is gone; [] alone. */
  async takeOver(): Promise<HeldLease[]> {
    return this.#supervision ? this.#supervision.leases.takeOver(this.#supervision.nodeId) : [];
  }

  /** Hands back every lease this node holds, for other nodes (or this one) to take over. */
  async release(): Promise<void> {
    if (this.#supervision) await this.#supervision.leases.release(this.#supervision.nodeId);
  }
}
