/**
 * Xen-style memory claims: a host memory manager in which a domain builder first reserves ("claims") pages for a
 * guest and then populates the guest's memory, so that parallel builds cannot take the memory from under it.
 * It follows Xen's claims design (XEN_DOMCTL_claim_memory / XENMEM_claim_pages); it knows nothing of device trees
 * or guests beyond their names, and counts 4 KiB pages.
 *
 * Accounting (n is a NUMA node; sums run over all domains):
 *
 *   avail[n]     = total[n] − populated[n]          pages no domain has populated on n
 *   claimed[n]   = Σ node-specific claims on n
 *   unclaimed[n] = avail[n] − claimed[n] ≥ 0        hence, per node: unclaimed + claimed + populated = total
 *   hostWide     = Σ host-wide ('any') claims
 *   free         = Σ unclaimed[n] − hostWide ≥ 0    hence, for the host: free + all claims + populated = total
 *
 * A node-specific claim is backed by the unclaimed memory of its node. A host-wide claim is not pinned to a node:
 * it is backed by the unclaimed memory of all nodes together, so any node's unclaimed pages may be used by anyone
 * as long as enough remain across the host to cover every host-wide claim (the `free ≥ 0` invariant). Node claims
 * on a node therefore reduce what host-wide claims can use there, and host-wide claims limit what may be taken from
 * any single node only through the host total. `free` is Xen's free_pages ("free minus outstanding claims"): the
 * largest host-wide claim a new domain could install; `freePages(n)` = min(unclaimed[n], free) is the largest claim
 * (or claimless allocation) a new domain could get on node n.
 *
 * Divergences from Xen, deliberate: there is no max_pages, so a populate beyond the claims that match it is served
 * from unclaimed memory and leaves the domain's claims on other nodes intact (Xen consumes them, to stay within
 * max_pages); and, as with XENMEM_claim_pages, a domain holds one claim set at a time — a new set is refused while
 * claimed pages are outstanding (the newer XEN_DOMCTL_claim_memory would replace it) unless it cancels the claim.
 */

export const PAGE_SIZE = 4096;

export type NodeId = number;
/** A NUMA node id, or 'any' for a host-wide claim. */
export type ClaimTarget = NodeId | 'any';

export interface Claim {
  readonly pages: number;
  readonly target: ClaimTarget;
}
export type ClaimSet = readonly Claim[];

/** One NUMA node of the host and the pages it has for guests. */
export interface HostNode {
  readonly node: NodeId;
  readonly pages: number;
}

export interface NodePages {
  readonly node: NodeId;
  readonly pages: number;
}

/** Why a claim set could not be installed; `index` is the 0-based position of the offending claim. */
export type ClaimError =
  | {
      readonly kind: 'insufficient-memory';
      readonly domain: string;
      readonly index: number;
      readonly target: ClaimTarget;
      readonly requested: number;
      /** The most this claim could have asked for, given the claims before it in the set. */
      readonly available: number;
      readonly message: string;
    }
  | {
      readonly kind: 'claim-outstanding';
      readonly domain: string;
      /** Claimed pages the domain has not yet populated. */
      readonly outstanding: number;
      readonly message: string;
    }
  | {
      readonly kind: 'unknown-node';
      readonly domain: string;
      readonly index: number;
      readonly node: NodeId;
      readonly message: string;
    }
  | {
      readonly kind: 'duplicate-target';
      readonly domain: string;
      readonly index: number;
      readonly target: ClaimTarget;
      readonly message: string;
    };

export type PopulateError =
  | {
      readonly kind: 'insufficient-memory';
      readonly domain: string;
      /** The node asked for, or 'any' when the manager picks. */
      readonly target: ClaimTarget;
      readonly requested: number;
      /** The most this populate could have allocated: the domain's matching claims plus memory nobody claimed. */
      readonly available: number;
      readonly message: string;
    }
  | { readonly kind: 'unknown-node'; readonly domain: string; readonly node: NodeId; readonly message: string };

export type ClaimResult = { readonly ok: true } | { readonly ok: false; readonly error: ClaimError };
export type PopulateResult =
  /** `placement`: where the pages went, ascending by node. */
  | { readonly ok: true; readonly placement: readonly NodePages[] }
  | { readonly ok: false; readonly error: PopulateError };

export interface DestroyResult {
  readonly freedPages: number;
  readonly cancelledPages: number;
}

export interface NodeUsage {
  readonly node: NodeId;
  readonly totalPages: number;
  readonly populatedPages: number;
  /** Outstanding node-specific claims on this node. */
  readonly claimedPages: number;
  /** total − populated − claimed: backs host-wide claims and claimless allocations. */
  readonly unclaimedPages: number;
  /** What a new domain could get here: min(unclaimed, host free). */
  readonly freePages: number;
}

export interface HostUsage {
  readonly totalPages: number;
  readonly populatedPages: number;
  readonly nodeClaimedPages: number;
  readonly hostWideClaimedPages: number;
  readonly outstandingClaimPages: number;
  /** total − populated − outstanding claims (Xen's free_pages). */
  readonly freePages: number;
}

export interface DomainUsage {
  readonly domain: string;
  readonly populatedPages: number;
  /** Nodes with populated pages, ascending. */
  readonly populatedByNode: readonly NodePages[];
  /** The outstanding (not yet populated) part of the domain's claim set: node claims ascending, then 'any'. */
  readonly claims: readonly Claim[];
  readonly outstandingPages: number;
}

export interface MemorySnapshot {
  readonly pageSize: number;
  readonly host: HostUsage;
  readonly nodes: readonly NodeUsage[];
  /** Domains in the order they first claimed or populated memory. */
  readonly domains: readonly DomainUsage[];
}

interface NodeState {
  readonly total: number;
  populated: number;
  claimed: number;
}

interface DomainState {
  readonly populated: Map<NodeId, number>;
  readonly nodeClaims: Map<NodeId, number>;
  hostClaim: number;
}

function requirePageCount(pages: number, what: string): void {
  if (!Number.isSafeInteger(pages) || pages < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${pages}`);
  }
}

function describeTarget(target: ClaimTarget): string {
  return target === 'any' ? 'host-wide' : `node ${target}`;
}

function add(map: Map<NodeId, number>, node: NodeId, pages: number): void {
  const next = (map.get(node) ?? 0) + pages;
  if (next === 0) map.delete(node);
  else map.set(node, next);
}

function sumValues(map: ReadonlyMap<NodeId, number>): number {
  let sum = 0;
  for (const v of map.values()) sum += v;
  return sum;
}

export class MemoryManager {
  /** Ascending by node id, so every walk over nodes is deterministic. */
  private readonly nodes = new Map<NodeId, NodeState>();
  private readonly domains = new Map<string, DomainState>();
  private hostWideClaimed = 0;

  constructor(hostNodes: readonly HostNode[]) {
    if (hostNodes.length === 0) throw new RangeError('the host needs at least one NUMA node');
    for (const { node, pages } of [...hostNodes].sort((a, b) => a.node - b.node)) {
      if (!Number.isSafeInteger(node) || node < 0) {
        throw new RangeError(`NUMA node id must be a non-negative integer, got ${node}`);
      }
      if (this.nodes.has(node)) throw new RangeError(`NUMA node ${node} is listed twice`);
      requirePageCount(pages, `pages of node ${node}`);
      this.nodes.set(node, { total: pages, populated: 0, claimed: 0 });
    }
  }

  /** The host's NUMA node ids, ascending. */
  nodeIds(): NodeId[] {
    return [...this.nodes.keys()];
  }

  /** Names of the domains holding claims or memory, in the order they first did. */
  domainNames(): string[] {
    return [...this.domains.keys()];
  }

  totalPages(node?: NodeId): number {
    if (node !== undefined) return this.node(node).total;
    let total = 0;
    for (const n of this.nodes.values()) total += n.total;
    return total;
  }

  /**
   * Without a node: free minus all outstanding claims — the largest host-wide claim a new domain could install.
   * With a node: the largest claim (or claimless allocation) a new domain could get on that node.
   */
  freePages(node?: NodeId): number {
    const hostFree = this.hostUnclaimed() - this.hostWideClaimed;
    return node === undefined ? hostFree : Math.min(this.unclaimed(this.node(node)), hostFree);
  }

  /** Outstanding (claimed, not yet populated) pages of one domain, or of all of them. */
  outstandingClaims(domain?: string): number {
    if (domain !== undefined) {
      const d = this.domains.get(domain);
      return d === undefined ? 0 : sumValues(d.nodeClaims) + d.hostClaim;
    }
    let claimed = this.hostWideClaimed;
    for (const n of this.nodes.values()) claimed += n.claimed;
    return claimed;
  }

  /** Pages populated by one domain, or by all of them. */
  populatedPages(domain?: string): number {
    if (domain !== undefined) {
      const d = this.domains.get(domain);
      return d === undefined ? 0 : sumValues(d.populated);
    }
    let populated = 0;
    for (const n of this.nodes.values()) populated += n.populated;
    return populated;
  }

  /** A domain's populated pages per node, ascending (nodes without any left out). */
  populatedByNode(domain: string): NodePages[] {
    const d = this.domains.get(domain);
    return d === undefined ? [] : this.byNode(d.populated);
  }

  /** The outstanding part of a domain's claim set: node claims ascending, then the host-wide claim. */
  claimsOf(domain: string): Claim[] {
    const d = this.domains.get(domain);
    if (d === undefined) return [];
    const claims: Claim[] = this.byNode(d.nodeClaims).map(({ node, pages }) => ({ pages, target: node }));
    if (d.hostClaim > 0) claims.push({ pages: d.hostClaim, target: 'any' });
    return claims;
  }

  /**
   * Installs a claim set for a domain, all of it or nothing. A set whose pages are all zero (or an empty set)
   * cancels the domain's outstanding claims, as XENMEM_claim_pages with 0 does. Throws RangeError only for page
   * counts that are not non-negative integers.
   */
  installClaims(domain: string, claims: ClaimSet): ClaimResult {
    claims.forEach((c, i) => requirePageCount(c.pages, `claims[${i}].pages`));
    const invalid = this.checkTargets(domain, claims);
    if (invalid !== undefined) return { ok: false, error: invalid };
    if (claims.every((c) => c.pages === 0)) {
      this.cancelClaims(domain);
      return { ok: true };
    }
    const outstanding = this.outstandingClaims(domain);
    if (outstanding > 0) {
      const message =
        `domain "${domain}" already has ${outstanding} claimed pages outstanding; ` +
        'populate or cancel them before installing a new claim set';
      return { ok: false, error: { kind: 'claim-outstanding', domain, outstanding, message } };
    }
    // Checked claim by claim against what the claims before it left, so a failure names the claim that ran out;
    // since the targets are distinct this is the same as checking each node's total and the host total.
    const hostFree = this.freePages();
    let reserved = 0;
    for (const [index, { pages, target }] of claims.entries()) {
      const hostRoom = hostFree - reserved;
      const available = target === 'any' ? hostRoom : Math.min(this.unclaimed(this.node(target)), hostRoom);
      if (pages > available) {
        const message =
          `domain "${domain}": claims[${index}] asks for ${pages} pages (${describeTarget(target)}), ` +
          `only ${available} available`;
        return {
          ok: false,
          error: { kind: 'insufficient-memory', domain, index, target, requested: pages, available, message },
        };
      }
      reserved += pages;
    }
    const d = this.domainState(domain);
    for (const { pages, target } of claims) {
      if (target === 'any') {
        d.hostClaim += pages;
        this.hostWideClaimed += pages;
      } else {
        add(d.nodeClaims, target, pages);
        this.node(target).claimed += pages;
      }
    }
    return { ok: true };
  }

  /** Drops a domain's outstanding claims (its populated memory stays); returns how many pages were released. */
  cancelClaims(domain: string): number {
    const d = this.domains.get(domain);
    if (d === undefined) return 0;
    const cancelled = this.outstandingClaims(domain);
    for (const [node, pages] of d.nodeClaims) this.node(node).claimed -= pages;
    d.nodeClaims.clear();
    this.hostWideClaimed -= d.hostClaim;
    d.hostClaim = 0;
    return cancelled;
  }

  /**
   * Allocates pages to a domain, all of them or none. On a given node it draws the domain's claim on that node
   * first, then its host-wide claim, then unclaimed memory. Without a node it draws the domain's node claims (each
   * on its node), then its host-wide claim, then unclaimed memory, filling nodes in ascending order. Memory claimed by
   * other domains is never used.
   */
  populate(domain: string, pages: number, node?: NodeId): PopulateResult {
    requirePageCount(pages, 'pages');
    if (node !== undefined && !this.nodes.has(node)) {
      const message = this.unknownNodeMessage(domain, node);
      return { ok: false, error: { kind: 'unknown-node', domain, node, message } };
    }
    const existing = this.domains.get(domain);
    const available = this.populatable(existing, node);
    if (pages > available) {
      const target: ClaimTarget = node ?? 'any';
      const where = node === undefined ? '' : ` on node ${node}`;
      const message = `domain "${domain}": cannot populate ${pages} pages${where}, only ${available} available`;
      return { ok: false, error: { kind: 'insufficient-memory', domain, target, requested: pages, available, message } };
    }
    if (pages === 0) return { ok: true, placement: [] };
    const d = existing ?? this.domainState(domain);
    const placed = new Map<NodeId, number>();
    const allocate = (at: NodeId, count: number, from: 'node-claim' | 'host-claim' | 'unclaimed'): void => {
      if (count === 0) return;
      const n = this.node(at);
      if (from === 'node-claim') {
        add(d.nodeClaims, at, -count);
        n.claimed -= count;
      } else if (from === 'host-claim') {
        d.hostClaim -= count;
        this.hostWideClaimed -= count;
      }
      n.populated += count;
      add(d.populated, at, count);
      add(placed, at, count);
    };
    if (node !== undefined) {
      const fromNodeClaim = Math.min(pages, d.nodeClaims.get(node) ?? 0);
      const fromHostClaim = Math.min(pages - fromNodeClaim, d.hostClaim);
      allocate(node, fromNodeClaim, 'node-claim');
      allocate(node, fromHostClaim, 'host-claim');
      allocate(node, pages - fromNodeClaim - fromHostClaim, 'unclaimed');
    } else {
      let remaining = pages;
      for (const at of this.nodeIds()) {
        const count = Math.min(remaining, d.nodeClaims.get(at) ?? 0);
        allocate(at, count, 'node-claim');
        remaining -= count;
      }
      // The host-wide claim and then free memory come out of unclaimed pages on any node; the check above
      // guarantees enough of them (Σ unclaimed ≥ host-wide claims + free).
      let fromHostClaim = Math.min(remaining, d.hostClaim);
      remaining -= fromHostClaim;
      for (const [at, n] of this.nodes) {
        const count = Math.min(fromHostClaim, this.unclaimed(n));
        allocate(at, count, 'host-claim');
        fromHostClaim -= count;
      }
      for (const [at, n] of this.nodes) {
        const count = Math.min(remaining, this.unclaimed(n));
        allocate(at, count, 'unclaimed');
        remaining -= count;
      }
    }
    return { ok: true, placement: this.byNode(placed) };
  }

  /** Frees a domain's populated pages and cancels its claims; the domain is forgotten. */
  destroy(domain: string): DestroyResult {
    const d = this.domains.get(domain);
    if (d === undefined) return { freedPages: 0, cancelledPages: 0 };
    const cancelledPages = this.cancelClaims(domain);
    for (const [node, pages] of d.populated) this.node(node).populated -= pages;
    const freedPages = sumValues(d.populated);
    this.domains.delete(domain);
    return { freedPages, cancelledPages };
  }

  /**
   * Whether all these claim sets could be installed together on top of the current state, without changing it
   * (for `tsvisor validate`). Sets are tried in the map's order; the first failure is returned. Whether they all fit
   * does not depend on that order, only which failure is reported does.
   */
  canClaimAll(sets: ReadonlyMap<string, ClaimSet>): ClaimResult {
    const trial = this.clone();
    for (const [domain, claims] of sets) {
      const result = trial.installClaims(domain, claims);
      if (!result.ok) return result;
    }
    return { ok: true };
  }

  snapshot(): MemorySnapshot {
    const hostFree = this.freePages();
    const nodes: NodeUsage[] = [...this.nodes].map(([node, n]) => ({
      node,
      totalPages: n.total,
      populatedPages: n.populated,
      claimedPages: n.claimed,
      unclaimedPages: this.unclaimed(n),
      freePages: Math.min(this.unclaimed(n), hostFree),
    }));
    const nodeClaimedPages = nodes.reduce((sum, n) => sum + n.claimedPages, 0);
    const host: HostUsage = {
      totalPages: this.totalPages(),
      populatedPages: this.populatedPages(),
      nodeClaimedPages,
      hostWideClaimedPages: this.hostWideClaimed,
      outstandingClaimPages: nodeClaimedPages + this.hostWideClaimed,
      freePages: hostFree,
    };
    const domains: DomainUsage[] = this.domainNames().map((domain) => ({
      domain,
      populatedPages: this.populatedPages(domain),
      populatedByNode: this.populatedByNode(domain),
      claims: this.claimsOf(domain),
      outstandingPages: this.outstandingClaims(domain),
    }));
    return { pageSize: PAGE_SIZE, host, nodes, domains };
  }

  /** The most `populate(domain, n, node)` could allocate: matching claims plus what nobody has claimed. */
  private populatable(d: DomainState | undefined, node: NodeId | undefined): number {
    const hostFree = this.freePages();
    const hostClaim = d?.hostClaim ?? 0;
    if (node === undefined) return (d === undefined ? 0 : sumValues(d.nodeClaims)) + hostClaim + hostFree;
    // Beyond its own claim on the node, the domain may use the node's unclaimed pages, but of those only its
    // host-wide claim plus the host's free pages: the rest back other domains' host-wide claims.
    const nodeClaim = d?.nodeClaims.get(node) ?? 0;
    return nodeClaim + Math.min(this.unclaimed(this.node(node)), hostClaim + hostFree);
  }

  /** Unknown nodes and repeated targets, which make a set invalid whatever memory there is. */
  private checkTargets(domain: string, claims: ClaimSet): ClaimError | undefined {
    const seen = new Set<ClaimTarget>();
    for (const [index, { target }] of claims.entries()) {
      if (target !== 'any' && !this.nodes.has(target)) {
        const message = this.unknownNodeMessage(domain, target, index);
        return { kind: 'unknown-node', domain, index, node: target, message };
      }
      if (seen.has(target)) {
        const message = `domain "${domain}": claims[${index}] repeats target ${describeTarget(target)}`;
        return { kind: 'duplicate-target', domain, index, target, message };
      }
      seen.add(target);
    }
    return undefined;
  }

  private unknownNodeMessage(domain: string, node: NodeId, index?: number): string {
    const what = index === undefined ? '' : ` claims[${index}]`;
    return `domain "${domain}":${what} NUMA node ${node} does not exist (nodes: ${this.nodeIds().join(', ')})`;
  }

  private unclaimed(n: NodeState): number {
    return n.total - n.populated - n.claimed;
  }

  private hostUnclaimed(): number {
    let sum = 0;
    for (const n of this.nodes.values()) sum += this.unclaimed(n);
    return sum;
  }

  private node(node: NodeId): NodeState {
    const n = this.nodes.get(node);
    if (n === undefined) throw new RangeError(`NUMA node ${node} does not exist (nodes: ${this.nodeIds().join(', ')})`);
    return n;
  }

  private domainState(domain: string): DomainState {
    let d = this.domains.get(domain);
    if (d === undefined) {
      d = { populated: new Map(), nodeClaims: new Map(), hostClaim: 0 };
      this.domains.set(domain, d);
    }
    return d;
  }

  private byNode(map: ReadonlyMap<NodeId, number>): NodePages[] {
    return this.nodeIds()
      .filter((node) => (map.get(node) ?? 0) > 0)
      .map((node) => ({ node, pages: map.get(node) ?? 0 }));
  }

  private clone(): MemoryManager {
    const copy = new MemoryManager(this.nodeIds().map((node) => ({ node, pages: this.node(node).total })));
    for (const [node, n] of this.nodes) {
      const target = copy.node(node);
      target.populated = n.populated;
      target.claimed = n.claimed;
    }
    for (const [name, d] of this.domains) {
      const { populated, nodeClaims, hostClaim } = d;
      copy.domains.set(name, { populated: new Map(populated), nodeClaims: new Map(nodeClaims), hostClaim });
    }
    copy.hostWideClaimed = this.hostWideClaimed;
    return copy;
  }
}
