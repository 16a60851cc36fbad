import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { hexlify, randomBytes } from "ethers";
import { listRoot, nodeHash } from "../../src/commit/hash";
import { type IntTensor } from "../../src/pinir/types";
import { tensorTree } from "../../src/commit/tensor";
import {
  descendants,
  listLevels,
  listNode,
  midpoints,
  point,
  segment,
  segments,
  tensorNode,
} from "../../src/dispute/geometry";
import { Side } from "../../src/dispute/types";

const { ethers } = hre;

async function deploy() {
  return { h: await ethers.deployContract("DisputeHarness") };
}

describe("LibDissection", () => {
  it("matches the TypeScript geometry and covers [lo, hi] with non-empty segments", async () => {
    const { h } = await loadFixture(deploy);
    for (const [lo, hi, d] of [
      [0, 1000, 16],
      [5, 21, 16],
      [7, 9, 16],
      [0, 17, 4],
      [100, 1100, 2],
      [3, 4, 16],
    ]) {
      const s = segments(lo, hi, d);
      expect(await h.segments(lo, hi, d)).to.equal(BigInt(s));
      let prev = lo;
      for (let i = 0; i <= s; i++) {
        const p = point(lo, hi, d, i);
        expect(await h.point(lo, hi, d, i)).to.equal(BigInt(p));
        if (i > 0) expect(p).to.be.greaterThan(prev);
        prev = p;
      }
      expect(prev).to.equal(hi);
      const [a, b] = await h.segment(lo, hi, d, s - 1);
      expect([Number(a), Number(b)]).to.deep.equal(segment(lo, hi, d, s - 1));
      expect(midpoints(lo, hi, d).length).to.equal(s - 1);
    }
  });

  it("rolls descendants of a list tree up with zero padding like listRoot", async () => {
    const { h } = await loadFixture(deploy);
    for (const n of [2, 3, 5, 7, 11, 16, 17]) {
      const items = Array.from({ length: n }, () => Buffer.from(randomBytes(32)));
      const levels = listLevels(items);
      const depth = levels.length - 1;
      const lv = Math.min(depth, 4);
      // Posted padding nodes are ignored whatever their value.
      const nodes = descendants((hh, i) => listNode(levels, hh, i), depth, 0, lv).map((x, i) =>
        i << (depth - lv) >= n ? randomBytes(32) : x,
      );
      expect(
        await h.rollup(
          nodes.map((x) => hexlify(x)),
          0,
          depth - lv,
          n,
        ),
      ).to.equal(hexlify(listRoot(items)));
    }
  });

  it("rolls descendants of a tensor data tree up to its data root", async () => {
    const { h } = await loadFixture(deploy);
    const t: IntTensor = {
      shape: [5, 130],
      scale: 16,
      data: Float64Array.from({ length: 650 }, (_, i) => i - 300),
    };
    const tree = tensorTree(t);
    expect(tree.depth).to.equal(3);
    const nodes = descendants((hh, i) => tensorNode(tree, hh, i), 3, 0, 2);
    expect(
      await h.rollup(
        nodes.map((x) => hexlify(x)),
        0,
        1,
        0,
      ),
    ).to.equal(hexlify(tree.dataRoot));
    // A deeper subtree: node (1, 1) from its two leaves.
    const two = descendants((hh, i) => tensorNode(tree, hh, i), 1, 1, 1);
    expect(hexlify(nodeHash(two[0], two[1]))).to.equal(hexlify(tensorNode(tree, 1, 1)));
  });
});

describe("LibClock", () => {
  it("charges only the side to move and tops up a late mover's opponent from a bounded reserve", async () => {
    const { h } = await loadFixture(deploy);
    let c = await h.clockStart(1000, 100, Side.Solver, 10_000);
    expect(await h.clockToMove(c)).to.equal(BigInt(Side.Solver));
    expect(await h.clockRemaining(c, Side.Solver, 10_300)).to.equal(700n);
    expect(await h.clockRemaining(c, Side.Challenger, 10_300)).to.equal(1000n);
    c = await h.clockHand(c, Side.Challenger, 10_300, 100);
    expect(await h.clockRemaining(c, Side.Solver, 20_000)).to.equal(700n);
    expect(await h.clockRemaining(c, Side.Challenger, 11_250)).to.equal(50n);
    // The challenger moves with 50 s left: it keeps 50; the solver has more than the extension.
    c = await h.clockHand(c, Side.Solver, 11_250, 100);
    expect(await h.clockRemaining(c, Side.Challenger, 11_250)).to.equal(50n);
    expect(await h.clockRemaining(c, Side.Solver, 11_250)).to.equal(700n);
    // The challenger's turn starts with 50 < 100: topped up to 100 from its reserve (100 → 50).
    c = await h.clockHand(c, Side.Challenger, 11_900, 100);
    expect(await h.clockRemaining(c, Side.Solver, 11_900)).to.equal(50n);
    expect(await h.clockRemaining(c, Side.Challenger, 11_900)).to.equal(100n);
    expect(await h.clockReserve(c, Side.Challenger)).to.equal(50n);
    expect(await h.clockExpired(c, 11_999)).to.equal(false);
    expect(await h.clockExpired(c, 12_000)).to.equal(true);
    // Late again (10 s left): only the 50 s still in reserve are granted, then nothing more.
    c = await h.clockHand(c, Side.Solver, 11_990, 100);
    c = await h.clockHand(c, Side.Challenger, 12_080, 100);
    expect(await h.clockRemaining(c, Side.Challenger, 12_080)).to.equal(60n);
    expect(await h.clockReserve(c, Side.Challenger)).to.equal(0n);
    expect(await h.clockReserve(c, Side.Solver)).to.equal(50n);
  });

  it("never gives a side more than budget + extension in a whole game, however both stall", async () => {
    const { h } = await loadFixture(deploy);
    const budget = 1_000;
    const ext = 100;
    let r = 7;
    const rand = (n: number) => {
      r = (r * 1103515245 + 12345) % 2 ** 31;
      return r % n;
    };
    for (let trial = 0; trial < 4; trial++) {
      let now = 50_000;
      let c = await h.clockStart(budget, ext, Side.Solver, now);
      const used = { [Side.Solver]: 0, [Side.Challenger]: 0 } as Record<number, number>;
      for (let move = 0; move < 60; move++) {
        const mover = Number(await h.clockToMove(c)) as Side;
        const left = Number(await h.clockRemaining(c, mover, now));
        if (left === 0) break;
        // Stall: use everything but one second most of the time.
        const spend = rand(4) === 0 ? rand(left) : left - 1;
        now += spend;
        used[mover] += spend;
        const next = rand(5) === 0 ? mover : mover === Side.Solver ? Side.Challenger : Side.Solver;
        c = await h.clockHand(c, next, now, ext);
      }
      expect(used[Side.Solver]).to.be.at.most(budget + ext);
      expect(used[Side.Challenger]).to.be.at.most(budget + ext);
    }
  });
});
