/** Xen-style memory claims: each operation and error, then a seeded property test over random sequences. */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MemoryManager, type ClaimSet, type ClaimTarget, type HostNode } from '../../src/vmm/claims.js';

const TWO_NODES: HostNode[] = [
  { node: 0, pages: 100 },
  { node: 1, pages: 100 },
];

describe('MemoryManager construction and reporting', () => {
  it('starts with every page free', () => {
    const m = new MemoryManager([
      { node: 1, pages: 262144 },
      { node: 0, pages: 262144 },
    ]);
    expect(m.nodeIds()).toEqual([0, 1]);
    expect(m.totalPages()).toBe(524288);
    expect(m.freePages()).toBe(524288);
    expect(m.freePages(1)).toBe(262144);
    expect(m.outstandingClaims()).toBe(0);
    expect(m.populatedPages()).toBe(0);
    expect(m.snapshot()).toEqual({
      pageSize: 4096,
      host: {
        totalPages: 524288,
        populatedPages: 0,
        nodeClaimedPages: 0,
        hostWideClaimedPages: 0,
        outstandingClaimPages: 0,
        freePages: 524288,
      },
      nodes: [0, 1].map((node) => ({
        node,
        totalPages: 262144,
        populatedPages: 0,
        claimedPages: 0,
        unclaimedPages: 262144,
        freePages: 262144,
      })),
      domains: [],
    });
  });

  it('rejects malformed hosts with RangeError', () => {
    expect(() => new MemoryManager([])).toThrow(RangeError);
    expect(() => new MemoryManager([{ node: 0, pages: -1 }])).toThrow(RangeError);
    expect(() => new MemoryManager([{ node: 0, pages: 1.5 }])).toThrow(RangeError);
    expect(() => new MemoryManager([{ node: -1, pages: 1 }])).toThrow(RangeError);
    expect(() => new MemoryManager([{ node: 0, pages: 1 }, { node: 0, pages: 2 }])).toThrow(/listed twice/);
  });

  it('throws RangeError when asked about a node that does not exist', () => {
    const m = new MemoryManager(TWO_NODES);
    expect(() => m.freePages(2)).toThrow(RangeError);
    expect(() => m.totalPages(7)).toThrow(RangeError);
  });
});

describe('installClaims', () => {
  it('reserves node claims against their node and the host', () => {
    const m = new MemoryManager(TWO_NODES);
    expect(m.installClaims('vm1', [{ pages: 30, target: 0 }])).toEqual({ ok: true });
    expect(m.freePages()).toBe(170);
    expect(m.freePages(0)).toBe(70);
    expect(m.freePages(1)).toBe(100);
    expect(m.outstandingClaims('vm1')).toBe(30);
    expect(m.outstandingClaims()).toBe(30);
    expect(m.claimsOf('vm1')).toEqual([{ pages: 30, target: 0 }]);
  });

  it('backs host-wide claims by all nodes together, limiting each node through the host total', () => {
    const m = new MemoryManager(TWO_NODES);
    expect(m.installClaims('a', [{ pages: 150, target: 'any' }]).ok).toBe(true);
    expect(m.freePages()).toBe(50);
    // Either node still has 100 unclaimed pages, but only 50 may go to anyone else.
    expect(m.freePages(0)).toBe(50);
    expect(m.snapshot().nodes.map((n) => n.unclaimedPages)).toEqual([100, 100]);

    const tooMuch = m.installClaims('b', [{ pages: 60, target: 0 }]);
    expect(tooMuch).toMatchObject({
      ok: false,
      error: { kind: 'insufficient-memory', domain: 'b', index: 0, target: 0, requested: 60, available: 50 },
    });
    expect(m.installClaims('b', [{ pages: 50, target: 0 }]).ok).toBe(true);
    expect(m.freePages()).toBe(0);

    // a's host-wide claim is still fully usable: node 0's unclaimed 50 plus node 1's 100.
    expect(m.populate('a', 150)).toEqual({
      ok: true,
      placement: [
        { node: 0, pages: 50 },
        { node: 1, pages: 100 },
      ],
    });
    expect(m.populate('b', 50, 0).ok).toBe(true);
    expect(m.freePages()).toBe(0);
    expect(m.outstandingClaims()).toBe(0);
  });

  it('is atomic: a failing claim leaves nothing reserved and names the claim, node and amounts', () => {
    const m = new MemoryManager(TWO_NODES);
    m.installClaims('other', [{ pages: 80, target: 1 }]);
    const before = m.snapshot();
    const result = m.installClaims('vm1', [
      { pages: 40, target: 0 },
      { pages: 30, target: 1 },
    ]);
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'insufficient-memory', domain: 'vm1', index: 1, target: 1, requested: 30, available: 20 },
    });
    if (!result.ok) expect(result.error.message).toMatch(/claims\[1\].*30 pages.*node 1.*20 available/);
    expect(m.snapshot()).toEqual(before);
    expect(m.domainNames()).toEqual(['other']);
  });

  it('checks the host total across a set: the claim that exceeds it is named', () => {
    const m = new MemoryManager(TWO_NODES);
    const result = m.installClaims('vm1', [
      { pages: 90, target: 0 },
      { pages: 90, target: 1 },
      { pages: 30, target: 'any' },
    ]);
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'insufficient-memory', index: 2, target: 'any', requested: 30, available: 20 },
    });
    expect(m.outstandingClaims()).toBe(0);
  });

  it('refuses a second claim set while claimed pages are outstanding', () => {
    const m = new MemoryManager(TWO_NODES);
    m.installClaims('vm1', [{ pages: 20, target: 'any' }]);
    const second = m.installClaims('vm1', [{ pages: 5, target: 0 }]);
    expect(second).toMatchObject({ ok: false, error: { kind: 'claim-outstanding', domain: 'vm1', outstanding: 20 } });
    expect(m.claimsOf('vm1')).toEqual([{ pages: 20, target: 'any' }]);
    // Once the claim is consumed a new set may be installed.
    expect(m.populate('vm1', 20).ok).toBe(true);
    expect(m.installClaims('vm1', [{ pages: 5, target: 0 }]).ok).toBe(true);
  });

  it('cancels the claim on an empty or all-zero set, keeping populated memory', () => {
    const m = new MemoryManager(TWO_NODES);
    m.installClaims('vm1', [
      { pages: 20, target: 0 },
      { pages: 10, target: 'any' },
    ]);
    m.populate('vm1', 5, 0);
    expect(m.installClaims('vm1', [{ pages: 0, target: 'any' }])).toEqual({ ok: true });
    expect(m.outstandingClaims('vm1')).toBe(0);
    expect(m.populatedPages('vm1')).toBe(5);
    expect(m.freePages()).toBe(195);

    m.installClaims('vm1', [{ pages: 7, target: 1 }]);
    expect(m.installClaims('vm1', [])).toEqual({ ok: true });
    expect(m.cancelClaims('vm1')).toBe(0);
    expect(m.outstandingClaims()).toBe(0);

    m.installClaims('vm1', [{ pages: 7, target: 1 }]);
    expect(m.cancelClaims('vm1')).toBe(7);
    expect(m.cancelClaims('nobody')).toBe(0);
    // Cancelling a domain that never existed does not create it.
    expect(m.installClaims('ghost', []).ok).toBe(true);
    expect(m.domainNames()).toEqual(['vm1']);
  });

  it('rejects unknown nodes and repeated targets, even for zero pages', () => {
    const m = new MemoryManager(TWO_NODES);
    expect(m.installClaims('vm1', [{ pages: 0, target: 5 }])).toMatchObject({
      ok: false,
      error: { kind: 'unknown-node', domain: 'vm1', index: 0, node: 5 },
    });
    expect(m.installClaims('vm1', [{ pages: 1, target: 1 }, { pages: 1, target: 1 }])).toMatchObject({
      ok: false,
      error: { kind: 'duplicate-target', index: 1, target: 1 },
    });
    expect(m.installClaims('vm1', [{ pages: 1, target: 'any' }, { pages: 0, target: 'any' }])).toMatchObject({
      ok: false,
      error: { kind: 'duplicate-target', index: 1, target: 'any' },
    });
    expect(m.outstandingClaims()).toBe(0);
  });

  it('throws RangeError for page counts that are not non-negative integers', () => {
    const m = new MemoryManager(TWO_NODES);
    expect(() => m.installClaims('vm1', [{ pages: -1, target: 0 }])).toThrow(RangeError);
    expect(() => m.installClaims('vm1', [{ pages: 1, target: 0 }, { pages: 0.5, target: 1 }])).toThrow(/claims\[1\]/);
    expect(() => m.installClaims('vm1', [{ pages: Number.NaN, target: 'any' }])).toThrow(RangeError);
    expect(m.outstandingClaims()).toBe(0);
  });

  it('freePages(node) is exactly the largest claim a new domain could install there', () => {
    const m = new MemoryManager(TWO_NODES);
    m.installClaims('a', [{ pages: 60, target: 0 }, { pages: 70, target: 'any' }]);
    m.populate('b', 20, 1);
    for (const target of [0, 1, 'any'] as const) {
      const room = target === 'any' ? m.freePages() : m.freePages(target);
      expect(m.canClaimAll(new Map([['new', [{ pages: room, target }]]]))).toEqual({ ok: true });
      expect(m.canClaimAll(new Map([['new', [{ pages: room + 1, target }]]]))).toMatchObject({
        ok: false,
        error: { kind: 'insufficient-memory', available: room },
      });
    }
  });
});

describe('populate', () => {
  it('draws the claim on the node, then the host-wide claim, then unclaimed memory', () => {
    const m = new MemoryManager(TWO_NODES);
    m.installClaims('vm1', [
      { pages: 10, target: 0 },
      { pages: 10, target: 1 },
      { pages: 10, target: 'any' },
    ]);
    expect(m.populate('vm1', 15, 0)).toEqual({ ok: true, placement: [{ node: 0, pages: 15 }] });
    expect(m.claimsOf('vm1')).toEqual([
      { pages: 10, target: 1 },
      { pages: 5, target: 'any' },
    ]);
    // Beyond its claims on node 0 (none left) and host-wide (5), the rest comes from unclaimed memory;
    // the node-1 claim is left alone.
    expect(m.populate('vm1', 20, 0).ok).toBe(true);
    expect(m.claimsOf('vm1')).toEqual([{ pages: 10, target: 1 }]);
    expect(m.populatedByNode('vm1')).toEqual([{ node: 0, pages: 35 }]);
    expect(m.freePages()).toBe(200 - 35 - 10);
  });

  it('without a node, draws node claims on their nodes first, then the host-wide claim, filling nodes in order', () => {
    const m = new MemoryManager(TWO_NODES);
    m.installClaims('vm1', [
      { pages: 30, target: 1 },
      { pages: 90, target: 'any' },
    ]);
    expect(m.populate('vm1', 130)).toEqual({
      ok: true,
      placement: [
        { node: 0, pages: 100 },
        { node: 1, pages: 30 },
      ],
    });
    expect(m.outstandingClaims('vm1')).toBe(0);
    expect(m.populatedPages('vm1')).toBe(130);
    expect(m.populatedPages()).toBe(130);
  });

  it('never uses memory claimed by other domains, and fails atomically with the amount available', () => {
    const m = new MemoryManager(TWO_NODES);
    m.installClaims('a', [{ pages: 90, target: 0 }]);
    m.installClaims('b', [{ pages: 60, target: 'any' }]);
    m.installClaims('c', [{ pages: 5, target: 0 }]);
    const before = m.snapshot();
    // On node 0: c's own 5 + node 0's 5 unclaimed pages (host free is 45).
    expect(m.populate('c', 11, 0)).toMatchObject({
      ok: false,
      error: { kind: 'insufficient-memory', domain: 'c', target: 0, requested: 11, available: 10 },
    });
    // Anywhere: c's 5 claimed + 45 free.
    const anywhere = m.populate('c', 51);
    expect(anywhere).toMatchObject({ ok: false, error: { target: 'any', requested: 51, available: 50 } });
    if (!anywhere.ok) expect(anywhere.error.message).toMatch(/cannot populate 51 pages, only 50 available/);
    expect(m.populate('new', 46, 1)).toMatchObject({ ok: false, error: { available: 45 } });
    expect(m.snapshot()).toEqual(before);
    expect(m.populate('c', 50).ok).toBe(true);
    expect(m.freePages()).toBe(0);
    expect(m.populate('a', 90, 0).ok).toBe(true);
    expect(m.populate('b', 60).ok).toBe(true);
    expect(m.populatedPages()).toBe(200);
  });

  it('rejects unknown nodes and bad page counts', () => {
    const m = new MemoryManager(TWO_NODES);
    expect(m.populate('vm1', 1, 3)).toMatchObject({
      ok: false,
      error: { kind: 'unknown-node', domain: 'vm1', node: 3 },
    });
    expect(() => m.populate('vm1', -4)).toThrow(RangeError);
    expect(() => m.populate('vm1', 2.5, 0)).toThrow(RangeError);
    expect(m.populate('vm1', 0)).toEqual({ ok: true, placement: [] });
    expect(m.domainNames()).toEqual([]);
  });
});

describe('destroy', () => {
  it('frees populated pages, cancels claims and forgets the domain', () => {
    const m = new MemoryManager(TWO_NODES);
    m.installClaims('vm1', [
      { pages: 40, target: 0 },
      { pages: 20, target: 'any' },
    ]);
    m.populate('vm1', 50);
    m.populate('vm2', 10, 1);
    expect(m.destroy('vm1')).toEqual({ freedPages: 50, cancelledPages: 10 });
    expect(m.domainNames()).toEqual(['vm2']);
    expect(m.freePages()).toBe(190);
    expect(m.destroy('vm1')).toEqual({ freedPages: 0, cancelledPages: 0 });
    m.destroy('vm2');
    expect(m.freePages()).toBe(200);
    expect(m.snapshot().nodes.every((n) => n.freePages === n.totalPages)).toBe(true);
  });
});

describe('canClaimAll', () => {
  it('checks claim sets together on a copy and reports the first failure', () => {
    const m = new MemoryManager(TWO_NODES);
    m.installClaims('running', [{ pages: 50, target: 0 }]);
    const before = m.snapshot();
    const fits = new Map<string, ClaimSet>([
      ['vm1', [{ pages: 50, target: 0 }]],
      ['vm2', [{ pages: 100, target: 'any' }]],
    ]);
    expect(m.canClaimAll(fits)).toEqual({ ok: true });
    const tooMuch = new Map<string, ClaimSet>([...fits, ['vm3', [{ pages: 1, target: 1 }]]]);
    expect(m.canClaimAll(tooMuch)).toMatchObject({
      ok: false,
      error: { kind: 'insufficient-memory', domain: 'vm3', index: 0, target: 1, requested: 1, available: 0 },
    });
    // Whether they fit does not depend on the order.
    expect(m.canClaimAll(new Map([...tooMuch].reverse())).ok).toBe(false);
    expect(m.canClaimAll(new Map([['running', [{ pages: 1, target: 1 }]]]))).toMatchObject({
      ok: false,
      error: { kind: 'claim-outstanding', domain: 'running', outstanding: 50 },
    });
    expect(m.snapshot()).toEqual(before);
  });
});

/** mulberry32: a tiny seeded PRNG, so any failure can be replayed from its seed. */
function prng(seed: number): (bound: number) => number {
  let a = seed >>> 0;
  return (bound) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * bound);
  };
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function sumOver<T>(items: readonly T[], pages: (item: T) => number | undefined): number {
  return items.reduce((sum, item) => sum + (pages(item) ?? 0), 0);
}

/** The accounting invariants, from the public view only. */
function checkInvariants(m: MemoryManager, at: string): void {
  const s = m.snapshot();
  const check = (condition: boolean, what: string): void => {
    if (!condition) throw new Error(`${at}: ${what}`);
  };
  for (const n of s.nodes) {
    check(n.unclaimedPages >= 0 && n.claimedPages >= 0 && n.populatedPages >= 0, `node ${n.node} negative count`);
    check(n.unclaimedPages + n.claimedPages + n.populatedPages === n.totalPages, `node ${n.node}: parts != total`);
    const populated = sumOver(s.domains, (d) => d.populatedByNode.find((p) => p.node === n.node)?.pages);
    const claimed = sumOver(s.domains, (d) => d.claims.find((c) => c.target === n.node)?.pages);
    check(populated === n.populatedPages && claimed === n.claimedPages, `node ${n.node}: domains disagree with node`);
    check(n.freePages === Math.min(n.unclaimedPages, s.host.freePages), `node ${n.node}: free`);
  }
  const hostWide = sumOver(s.domains, (d) => d.claims.find((c) => c.target === 'any')?.pages);
  check(hostWide === s.host.hostWideClaimedPages, 'host-wide claims disagree with domains');
  check(s.host.freePages >= 0, 'host free < 0: host-wide claims not backed');
  const { host } = s;
  check(host.freePages + host.outstandingClaimPages + host.populatedPages === host.totalPages, 'host parts != total');
  check(m.freePages() === host.freePages && m.outstandingClaims() === host.outstandingClaimPages, 'getters disagree');
}

describe('claims property test', () => {
  const SEQUENCES = 5000;
  const STEPS = 30;

  it(`keeps the invariants over ${SEQUENCES} random sequences of ${STEPS} steps`, () => {
    const counts = { install: 0, installFailed: 0, populate: 0, populateFailed: 0, redeem: 0, destroy: 0, cancel: 0 };
    for (let seed = 1; seed <= SEQUENCES; seed++) {
      const rnd = prng(seed);
      // 1–3 nodes of 16–128 pages, sometimes empty, so that claims often collide.
      const hostNodes = Array.from({ length: 1 + rnd(3) }, (_, node) => ({
        node,
        pages: rnd(5) === 0 ? 0 : 16 + rnd(113),
      }));
      const m = new MemoryManager(hostNodes);
      const startFree = hostNodes.map((n) => m.freePages(n.node));
      const domains = ['a', 'b', 'c', 'd'].slice(0, 2 + rnd(3));
      const target = (): ClaimTarget => (rnd(3) === 0 ? 'any' : rnd(20) === 0 ? 7 : rnd(hostNodes.length));
      for (let step = 0; step < STEPS; step++) {
        const at = `seed ${seed} step ${step}`;
        const domain = domains[rnd(domains.length)] ?? 'a';
        const op = rnd(10);
        const before = m.snapshot();
        if (op < 3) {
          counts.install++;
          const set: ClaimSet = Array.from({ length: rnd(4) }, () => ({
            pages: rnd(8) === 0 ? 0 : rnd(70),
            target: target(),
          }));
          const predicted = m.canClaimAll(new Map([[domain, set]]));
          const result = m.installClaims(domain, set);
          check(isDeepStrictEqual(predicted, result), `${at}: canClaimAll disagrees with installClaims`);
          if (!result.ok) {
            counts.installFailed++;
            check(isDeepStrictEqual(m.snapshot(), before), `${at}: failed install changed state`);
            if (result.error.kind === 'claim-outstanding') check(m.outstandingClaims(domain) > 0, `${at}: spurious`);
          } else {
            const asked = set.reduce((sum, c) => sum + c.pages, 0);
            check(m.outstandingClaims(domain) === asked, `${at}: installed claim != asked`);
          }
        } else if (op < 6) {
          counts.populate++;
          const pages = rnd(90);
          const node = rnd(3) === 0 ? undefined : rnd(15) === 0 ? 9 : rnd(hostNodes.length);
          const claimsBefore = m.claimsOf(domain);
          const matching = claimsBefore
            .filter((c) => node === undefined || c.target === node || c.target === 'any')
            .reduce((sum, c) => sum + c.pages, 0);
          const result = m.populate(domain, pages, node);
          if (!result.ok) {
            counts.populateFailed++;
            check(isDeepStrictEqual(m.snapshot(), before), `${at}: failed populate changed state`);
          } else {
            check(result.placement.reduce((sum, p) => sum + p.pages, 0) === pages, `${at}: placement != pages`);
            const populatedBefore = before.domains.find((d) => d.domain === domain)?.populatedPages ?? 0;
            check(m.populatedPages(domain) === populatedBefore + pages, `${at}: populated total`);
            const drawn = claimsBefore.reduce((s, c) => s + c.pages, 0) - m.outstandingClaims(domain);
            const expected = Math.min(pages, matching);
            check(drawn === expected, `${at}: drew ${drawn} from claims, expected ${expected}`);
            for (const other of before.domains) {
              const kept = other.domain === domain || m.outstandingClaims(other.domain) === other.outstandingPages;
              check(kept, `${at}: took ${other.domain}'s claim`);
            }
          }
        } else if (op < 7) {
          // A claim is a guarantee: whatever others did since, the domain can populate all of it.
          counts.redeem++;
          for (const c of m.claimsOf(domain)) {
            const result = c.target === 'any' ? m.populate(domain, c.pages) : m.populate(domain, c.pages, c.target);
            check(result.ok, `${at}: could not populate claimed ${c.pages} pages (${c.target})`);
          }
          check(m.outstandingClaims(domain) === 0, `${at}: claim left after redeeming`);
        } else if (op < 9) {
          counts.destroy++;
          const mine = before.domains.find((d) => d.domain === domain);
          const result = m.destroy(domain);
          const expected = { freedPages: mine?.populatedPages ?? 0, cancelledPages: mine?.outstandingPages ?? 0 };
          check(isDeepStrictEqual(result, expected), `${at}: destroy released the wrong amounts`);
          check(!m.domainNames().includes(domain), `${at}: destroyed domain still listed`);
        } else {
          counts.cancel++;
          const mine = before.domains.find((d) => d.domain === domain);
          check(m.cancelClaims(domain) === (mine?.outstandingPages ?? 0), `${at}: cancelled count`);
          const populatedKept = m.populatedPages(domain) === (mine?.populatedPages ?? 0);
          check(m.outstandingClaims(domain) === 0 && populatedKept, `${at}: cancel`);
        }
        checkInvariants(m, at);
      }
      for (const d of m.domainNames()) m.destroy(d);
      const restored = hostNodes.every((n, i) => m.freePages(n.node) === startFree[i]);
      check(restored, `seed ${seed}: free memory did not return`);
      check(m.freePages() === m.totalPages() && m.outstandingClaims() === 0, `seed ${seed}: host not empty`);
    }
    // Enough of every kind of step, including failures, to mean something.
    expect(counts.install).toBeGreaterThan(30000);
    expect(counts.installFailed).toBeGreaterThan(5000);
    expect(counts.install - counts.installFailed).toBeGreaterThan(5000);
    expect(counts.populateFailed).toBeGreaterThan(3000);
    expect(counts.populate - counts.populateFailed).toBeGreaterThan(10000);
    expect(counts.redeem + counts.destroy + counts.cancel).toBeGreaterThan(40000);
  });
});
