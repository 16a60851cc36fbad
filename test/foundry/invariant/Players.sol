// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "forge-std/Vm.sol";
import {DisputeGame} from "../../../contracts/dispute/DisputeGame.sol";
import {IDisputeGame} from "../../../contracts/interfaces/IDisputeGame.sol";
import {LibDissection} from "../../../contracts/libraries/LibDissection.sol";
import {LibHash} from "../../../contracts/libraries/LibHash.sol";
import {LibProofs} from "../../../contracts/libraries/LibProofs.sol";
import {LibTensor} from "../../../contracts/libraries/LibTensor.sol";
import {GameId, Level, Side, OpDesc, SlotDesc, SlotKindId} from "../../../contracts/types/DisputeTypes.sol";
import {World} from "./World.sol";
import {Model} from "./Model.sol";

/// @notice The two strategies of docs/DISPUTE.md §3 played from real commitments:
///         - the solver answers every move from its trajectory (the truth for an honest solver, a
///           consistent lie for a lying one) and proves every link it is asked for;
///         - the honest challenger always picks the first position whose claim differs from the
///           truth, contests a link whose claim is false, and calls the one-step check itself.
///         Each function makes at most one move and returns whether it moved; a move that reverts
///         is returned as (true, false, revert data).
contract Players {
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    World internal immutable world;
    DisputeGame internal immutable game;
    Model internal immutable model;
    uint256 internal immutable D;
    uint256 internal immutable BITS;

    constructor(World w) {
        world = w;
        game = w.game();
        model = w.model();
        D = w.DEGREE();
        BITS = w.TREE_BITS();
    }

    // ------------------------------------------------------------------------------------------
    // Solver
    // ------------------------------------------------------------------------------------------

    /// @notice One move of the game's solver from its task's trajectory, if it is the solver's turn.
    function solverMove(uint256 id) external returns (bool moved, bool ok, bytes memory err) {
        IDisputeGame.Game memory g = world.getGame(id);
        if (g.level == Level.None || g.level >= Level.Decided) return (false, false, "");
        (Side toMove,,) = game.clockOf(GameId.wrap(id));
        if (toMove != Side.Solver) return (false, false, "");
        uint256 task = world.gameGhost(id).task;
        bytes memory call = _solverCall(id, task, g);
        if (call.length == 0) return (false, false, "");
        moved = true;
        vm.prank(g.solver);
        (ok, err) = address(game).call(call);
        if (ok) _record(id, call);
    }

    function _solverCall(uint256 id, uint256 task, IDisputeGame.Game memory g) internal view returns (bytes memory) {
        GameId gid = GameId.wrap(id);
        Level level = g.level;
        if (level == Level.Steps) {
            uint256 s = LibDissection.segments(g.lo, g.hi, D);
            bytes32[] memory mids = new bytes32[](s - 1);
            for (uint256 i = 1; i < s; ++i) mids[i - 1] = world.beliefAtStep(task, LibDissection.point(g.lo, g.hi, D, i));
            return abi.encodeCall(DisputeGame.bisect, (gid, mids));
        }
        // From the Tables level on the step's states are the game's (the solver's own claims).
        if (!model.isState(g.prevState) || !model.isState(g.nextState)) return "";
        if (level == Level.Tables || level == Level.Ops) return _tablesCall(gid, g);
        if (level == Level.OpOutput) {
            bytes32 out = model.stateTensors(g.nextState)[g.opIndex - 1];
            return abi.encodeCall(
                DisputeGame.postOpOutput,
                (gid, IDisputeGame.OpOutputClaim(model.tensorHash(out), model.dataRoot(out), 512, 0))
            );
        }
        if (level == Level.Element || level == Level.InitialSlots || level == Level.FinalState) return _revealCall(gid, g);
        if (level == Level.InitialSlotProof) return _initialSlotCall(gid, g);
        if (level == Level.FinalStateProof) return _finalStateCall(gid, g);
        if (level == Level.OpOutputProof) {
            return abi.encodeCall(
                DisputeGame.proveOpOutput, (gid, IDisputeGame.OpOutputProof(model.opDesc(g.opIndex), model.opDescProof(g.opIndex)))
            );
        }
        if (level == Level.OpUpdateProof) {
            uint256 out = model.opDesc(g.opIndex).out;
            bytes32[] memory before = model.slots(g.prevState, g.nextState, g.opIndex - 1);
            return abi.encodeCall(DisputeGame.proveOpUpdate, (gid, LibProofs.ListProof(5, out, model.path(before, out))));
        }
        if (level == Level.OneStep) return _oneStepCall(gid, g, g.prevState, g.nextState);
        return "";
    }

    /// @dev postTables (R_0, R_M and the op midpoints) or an op-level bisect.
    function _tablesCall(GameId gid, IDisputeGame.Game memory g) internal view returns (bytes memory) {
        bool tables = g.level == Level.Tables;
        uint256 lo = tables ? 0 : g.lo;
        uint256 hi = tables ? g.opCount : g.hi;
        uint256 s = LibDissection.segments(lo, hi, D);
        bytes32[] memory mids = new bytes32[](s - 1);
        for (uint256 i = 1; i < s; ++i) mids[i - 1] = model.valueTableRoot(g.prevState, g.nextState, LibDissection.point(lo, hi, D, i));
        if (!tables) return abi.encodeCall(DisputeGame.bisect, (gid, mids));
        IDisputeGame.TablesArgs memory t;
        t.root0 = model.valueTableRoot(g.prevState, g.nextState, 0);
        t.rootM = model.valueTableRoot(g.prevState, g.nextState, g.opCount);
        t.mids = mids;
        return abi.encodeCall(DisputeGame.postTables, (gid, t));
    }

    /// @dev The next descent reveal: nodes of the output tensor's data tree (or its leaf), of
    ///      R_0's slot list, or of S_t's state list.
    function _revealCall(GameId gid, IDisputeGame.Game memory g) internal view returns (bytes memory) {
        uint256 levels = g.hi < BITS ? g.hi : BITS;
        bytes32[] memory nodes = new bytes32[](uint256(1) << levels);
        uint256 first = uint256(g.lo) << levels;
        uint256 height = g.hi - levels;
        if (g.level == Level.Element) {
            bytes32 out = model.stateTensors(g.nextState)[g.opIndex - 1];
            if (g.hi == 0) return abi.encodeCall(DisputeGame.revealLeaf, (gid, model.leaf(out, g.lo)));
            for (uint256 i = 0; i < nodes.length; ++i) nodes[i] = model.dataNode(out, first + i, height);
        } else {
            bytes32[] memory items =
                g.level == Level.InitialSlots ? model.slots(g.prevState, g.nextState, 0) : _stateList(g.nextState);
            for (uint256 i = 0; i < nodes.length; ++i) nodes[i] = model.listNode(items, first + i, height);
        }
        return abi.encodeCall(DisputeGame.bisect, (gid, nodes));
    }

    /// @dev proveInitialSlot of the contested slot of R_0 (state, const or temp).
    function _initialSlotCall(GameId gid, IDisputeGame.Game memory g) internal view returns (bytes memory) {
        IDisputeGame.SlotArgs memory a;
        a.desc = model.slotDesc(g.contested);
        a.descProof = model.slotDescProof(g.contested);
        if (a.desc.kind == SlotKindId.STATE) {
            a.stateProof = LibProofs.ListProof(2, a.desc.stateIndex, model.path(_stateList(g.prevState), a.desc.stateIndex));
        }
        return abi.encodeCall(DisputeGame.proveInitialSlot, (gid, world.context(), a));
    }

    /// @dev proveFinalState: state k is slot k (stateIndex k); its next value is slot nextSlot of R_M.
    function _finalStateCall(GameId gid, IDisputeGame.Game memory g) internal view returns (bytes memory) {
        IDisputeGame.FinalStateArgs memory f;
        f.desc = model.slotDesc(g.contested);
        f.descProof = model.slotDescProof(g.contested);
        bytes32[] memory rM = model.slots(g.prevState, g.nextState, g.opCount);
        f.slotProof = LibProofs.ListProof(5, f.desc.nextSlot, model.path(rM, f.desc.nextSlot));
        return abi.encodeCall(DisputeGame.proveFinalState, (gid, world.context(), f));
    }

    // ------------------------------------------------------------------------------------------
    // Honest challenger
    // ------------------------------------------------------------------------------------------

    /// @notice One move of the honest challenger from the truth: on its turn, or the one-step
    ///         check (anyone's move) once the game reached it.
    function challengerMove(uint256 id) external returns (bool moved, bool ok, bytes memory err) {
        IDisputeGame.Game memory g = world.getGame(id);
        if (g.level == Level.None || g.level >= Level.Decided) return (false, false, "");
        (Side toMove,,) = game.clockOf(GameId.wrap(id));
        bytes memory call;
        if (g.level == Level.OneStep) {
            call = _oneStepCall(GameId.wrap(id), g, g.prevState, world.truthAtStep(world.gameGhost(id).task, g.step));
        } else if (toMove == Side.Challenger) {
            call = _challengerCall(id, g);
        }
        if (call.length == 0) return (false, false, "");
        moved = true;
        vm.prank(g.challenger);
        (ok, err) = address(game).call(call);
    }

    function _challengerCall(uint256 id, IDisputeGame.Game memory g) internal view returns (bytes memory) {
        World.GameGhost memory gg = world.gameGhost(id);
        if (g.level == Level.Steps) return _chooseSteps(id, g, gg);
        // From the Tables level on, S_{t−1} (prevState) is agreed, hence true.
        bytes32 y = world.truthAtStep(gg.task, g.step);
        if (g.level == Level.Ops) return _chooseOps(id, g, gg, y);
        if (g.level == Level.Element) return _chooseElement(id, g, gg, y);
        if (g.level == Level.InitialSlots || g.level == Level.FinalState) return _chooseListChild(id, g, gg, y);
        return "";
    }

    /// @dev The first segment whose right claim is not the true state.
    function _chooseSteps(uint256 id, IDisputeGame.Game memory g, World.GameGhost memory gg)
        internal
        view
        returns (bytes memory)
    {
        uint256 s = LibDissection.segments(g.lo, g.hi, D);
        for (uint256 i = 0; i < s; ++i) {
            bytes32 c = i + 1 == s ? g.hiClaim : gg.claims[i];
            if (c != world.truthAtStep(gg.task, LibDissection.point(g.lo, g.hi, D, i + 1))) {
                return abi.encodeCall(DisputeGame.choose, (GameId.wrap(id), gg.claims, i));
            }
        }
        return "";
    }

    /// @dev At the top of the op level: contest a false R_0, or a true R_M that does not give
    ///      the disputed S_t; otherwise the first segment whose right table root is not true.
    function _chooseOps(uint256 id, IDisputeGame.Game memory g, World.GameGhost memory gg, bytes32 y)
        internal
        view
        returns (bytes memory)
    {
        GameId gid = GameId.wrap(id);
        if (g.lo == 0 && g.hi == g.opCount) {
            if (g.loClaim != model.valueTableRoot(g.prevState, y, 0)) return abi.encodeCall(DisputeGame.contestInitial, (gid));
            if (g.hiClaim == model.valueTableRoot(g.prevState, y, g.opCount)) return abi.encodeCall(DisputeGame.contestFinal, (gid));
        }
        uint256 s = LibDissection.segments(g.lo, g.hi, D);
        for (uint256 i = 0; i < s; ++i) {
            bytes32 c = i + 1 == s ? g.hiClaim : gg.claims[i];
            if (c != model.valueTableRoot(g.prevState, y, LibDissection.point(g.lo, g.hi, D, i + 1))) {
                return abi.encodeCall(DisputeGame.choose, (gid, gg.claims, i));
            }
        }
        return "";
    }

    /// @dev Contest false op-output claims at the top; then the first node (or element) that
    ///      differs from the true output tensor.
    function _chooseElement(uint256 id, IDisputeGame.Game memory g, World.GameGhost memory gg, bytes32 y)
        internal
        view
        returns (bytes memory)
    {
        GameId gid = GameId.wrap(id);
        bytes32 truthOut = model.stateTensors(y)[g.opIndex - 1];
        if (g.lo == 0 && g.hi == LibTensor.dataDepth(g.numel) && _opOutputFalse(g, truthOut)) {
            return abi.encodeCall(DisputeGame.contestOpOutput, (gid));
        }
        if (g.hi == 0) {
            for (uint256 k = 0; k < 128; ++k) {
                if (_element(gg.leaf, k) != model.valueOf(truthOut, (uint256(g.lo) << 7) + k)) {
                    return abi.encodeCall(DisputeGame.chooseElement, (gid, gg.leaf, k));
                }
            }
            return "";
        }
        uint256 levels = g.hi < BITS ? g.hi : BITS;
        for (uint256 i = 0; i < gg.claims.length; ++i) {
            if (gg.claims[i] != model.dataNode(truthOut, (uint256(g.lo) << levels) + i, g.hi - levels)) {
                return abi.encodeCall(DisputeGame.choose, (gid, gg.claims, i));
            }
        }
        return "";
    }

    /// @dev The first non-padding child that differs from the true R_0 slot list / S_t state list.
    function _chooseListChild(uint256 id, IDisputeGame.Game memory g, World.GameGhost memory gg, bytes32 y)
        internal
        view
        returns (bytes memory)
    {
        bytes32[] memory items = g.level == Level.InitialSlots ? model.slots(g.prevState, y, 0) : _stateList(y);
        uint256 levels = g.hi < BITS ? g.hi : BITS;
        uint256 height = g.hi - levels;
        for (uint256 i = 0; i < gg.claims.length; ++i) {
            uint256 index = (uint256(g.lo) << levels) + i;
            if ((index << height) >= items.length) break; // padding
            if (gg.claims[i] != model.listNode(items, index, height)) {
                return abi.encodeCall(DisputeGame.choose, (GameId.wrap(id), gg.claims, i));
            }
        }
        return "";
    }

    /// @dev Whether the solver's op-output claims are false (so contesting them wins): the
    ///      output hash is the true one (then R_j, which differs, is not its slot update), or the
    ///      size, reduction length or data root do not belong to op j's output.
    function _opOutputFalse(IDisputeGame.Game memory g, bytes32 truthOut) internal view returns (bool) {
        if (g.outHash == model.tensorHash(truthOut)) return true;
        if (g.numel != 512 || g.termCount != 0) return true;
        uint64[] memory shape = new uint64[](1);
        shape[0] = 512;
        return LibTensor.tensorHashMemory(16, shape, g.hiClaim) != g.outHash;
    }

    // ------------------------------------------------------------------------------------------
    // Shared
    // ------------------------------------------------------------------------------------------

    /// @dev oneStep with the operand of op j opened against R_{j−1} of the step from x to y.
    function _oneStepCall(GameId gid, IDisputeGame.Game memory g, bytes32 x, bytes32 y) internal view returns (bytes memory) {
        if (!model.isState(x) || !model.isState(y)) return "";
        OpDesc memory op = model.opDesc(g.opIndex);
        bytes32[] memory before = model.slots(x, y, g.opIndex - 1);
        IDisputeGame.Operand[] memory operands = new IDisputeGame.Operand[](1);
        operands[0] = IDisputeGame.Operand(
            LibProofs.ListProof(5, op.a, model.path(before, op.a)), model.elementProof(model.stateTensors(x)[op.a], g.element)
        );
        return abi.encodeCall(DisputeGame.oneStep, (gid, op, model.opDescProof(g.opIndex), operands));
    }

    function _stateList(bytes32 s) internal view returns (bytes32[] memory l) {
        bytes32[2] memory t = model.stateTensors(s);
        l = new bytes32[](2);
        l[0] = model.tensorHash(t[0]);
        l[1] = model.tensorHash(t[1]);
    }

    function _element(bytes memory leaf, uint256 k) internal pure returns (int64 v) {
        uint256 w;
        assembly ("memory-safe") {
            w := mload(add(add(leaf, 32), shl(3, k)))
        }
        v = int64(uint64(w >> 192));
    }

    /// @dev Records the claims or leaf the solver just revealed (what the challenger chooses among).
    function _record(uint256 id, bytes memory call) internal {
        bytes4 sel = bytes4(call);
        bytes memory args = _args(call);
        if (sel == DisputeGame.bisect.selector) {
            (, bytes32[] memory c) = abi.decode(args, (GameId, bytes32[]));
            world.recordClaims(id, c);
        } else if (sel == DisputeGame.postTables.selector) {
            (, IDisputeGame.TablesArgs memory t) = abi.decode(args, (GameId, IDisputeGame.TablesArgs));
            world.recordClaims(id, t.mids);
        } else if (sel == DisputeGame.revealLeaf.selector) {
            (, bytes memory leaf) = abi.decode(args, (GameId, bytes));
            world.recordLeaf(id, leaf);
        }
    }

    function _args(bytes memory call) internal pure returns (bytes memory a) {
        a = new bytes(call.length - 4);
        for (uint256 i = 0; i < a.length; ++i) a[i] = call[i + 4];
    }
}
