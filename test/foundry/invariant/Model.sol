// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {LibHash} from "../../../contracts/libraries/LibHash.sol";
import {LibTensor} from "../../../contracts/libraries/LibTensor.sol";
import {LibProofs} from "../../../contracts/libraries/LibProofs.sol";
import {OpDesc, SlotDesc, SlotKindId, ProgramInfo, Opcode} from "../../../contracts/types/DisputeTypes.sol";

/// @notice Real commitments for the property tests: a two-op PinIR train step whose every claim
///         the dispute game authenticates (state hashes, value tables, tensor data trees, slot and
///         op descriptors) can be built and proved here, so that handlers can play whole games
///         honestly — or with a consistent lie — against an arbitrary opponent.
///
///         Program (docs/DISPUTE.md §4): state = two tensors [512] (scale 16); slots
///         0, 1 state (next value in slots 3, 4), 2 const, 3, 4 temp; op 1 = Relu(slot 0) → slot 3,
///         op 2 = Relu(slot 1) → slot 4. So step(x0, x1) = (relu x0, relu x1): the true trajectory
///         of a task is S_0 = (A, B) and S_t = (relu A, relu B) for every t ≥ 1.
///
///         Tensors are named by a spec (seed, relu, one corrupted element); the model caches their
///         leaf hashes and data root, and registers every state hash it builds so that a claim can
///         be read back as the pair of tensors it commits to.
contract Model {
    uint256 internal constant NUMEL = 512;
    uint256 internal constant LEAVES = 4;
    uint32 internal constant SCALE = 16;
    uint32 internal constant N_SLOTS = 5;
    uint32 internal constant N_OPS = 2;
    uint32 internal constant N_STATE = 2;
    bytes32 public constant CONST_HASH = keccak256("pinpoint.model.const");

    struct TensorSpec {
        bytes32 seed;
        bool relu;
        bool corrupt;
        uint16 badIndex;
        int64 badValue;
    }

    struct TensorCache {
        bool built;
        bytes32 hash;
        bytes32 dataRoot;
        bytes32[4] leafHashes;
    }

    mapping(bytes32 id => TensorSpec) internal _specs;
    mapping(bytes32 id => TensorCache) internal _tensors;
    /// @notice Registered state hashes → their two tensor ids.
    mapping(bytes32 stateHash => bytes32[2]) internal _states;

    SlotDesc[] internal _slotDescs;
    OpDesc[] internal _opDescs;
    ProgramInfo internal _program;

    constructor() {
        uint64[] memory shape = new uint64[](1);
        shape[0] = uint64(NUMEL);
        uint64[] memory none = new uint64[](0);
        _slotDescs.push(SlotDesc(SlotKindId.STATE, SCALE, 0, 3, bytes32(0), shape));
        _slotDescs.push(SlotDesc(SlotKindId.STATE, SCALE, 1, 4, bytes32(0), shape));
        _slotDescs.push(SlotDesc(SlotKindId.CONST, SCALE, 0, 0, CONST_HASH, shape));
        _slotDescs.push(SlotDesc(SlotKindId.TEMP, SCALE, 0, 0, bytes32(0), shape));
        _slotDescs.push(SlotDesc(SlotKindId.TEMP, SCALE, 0, 0, bytes32(0), shape));
        _opDescs.push(OpDesc(Opcode.RELU, 3, 0, 0, SCALE, SCALE, 0, 0, 0, 0, shape, shape, none));
        _opDescs.push(OpDesc(Opcode.RELU, 4, 1, 0, SCALE, SCALE, 0, 0, 0, 0, shape, shape, none));
        bytes32[] memory slotLeaves = new bytes32[](N_SLOTS);
        for (uint256 i = 0; i < N_SLOTS; ++i) slotLeaves[i] = sha256(abi.encode(_slotDescs[i]));
        bytes32[] memory opLeaves = new bytes32[](N_OPS);
        for (uint256 i = 0; i < N_OPS; ++i) opLeaves[i] = sha256(abi.encode(_opDescs[i]));
        _program = ProgramInfo(keccak256("pinpoint.model.compiler"), listRoot(opLeaves), listRoot(slotLeaves), N_OPS, N_SLOTS, N_STATE);
    }

    // ------------------------------------------------------------------------------------------
    // Program
    // ------------------------------------------------------------------------------------------

    function program() external view returns (ProgramInfo memory) {
        return _program;
    }

    function slotDesc(uint256 i) external view returns (SlotDesc memory) {
        return _slotDescs[i];
    }

    function opDesc(uint256 j) external view returns (OpDesc memory) {
        return _opDescs[j - 1];
    }

    /// @notice List proof of slot descriptor `i` in the program's slotsRoot.
    function slotDescProof(uint256 i) external view returns (LibProofs.ListProof memory) {
        bytes32[] memory leaves = new bytes32[](N_SLOTS);
        for (uint256 k = 0; k < N_SLOTS; ++k) leaves[k] = sha256(abi.encode(_slotDescs[k]));
        return LibProofs.ListProof(N_SLOTS, i, path(leaves, i));
    }

    /// @notice List proof of op descriptor j (1-based) in the program's opsRoot.
    function opDescProof(uint256 j) external view returns (LibProofs.ListProof memory) {
        bytes32[] memory leaves = new bytes32[](N_OPS);
        for (uint256 k = 0; k < N_OPS; ++k) leaves[k] = sha256(abi.encode(_opDescs[k]));
        return LibProofs.ListProof(N_OPS, j - 1, path(leaves, j - 1));
    }

    // ------------------------------------------------------------------------------------------
    // Tensors
    // ------------------------------------------------------------------------------------------

    function tensorId(TensorSpec memory s) public pure returns (bytes32) {
        return keccak256(abi.encode(s));
    }

    /// @notice Element i of a tensor: pseudo-random in [−1000, 1000], relu'd, one element corrupted.
    function value(TensorSpec memory s, uint256 i) public pure returns (int64) {
        if (s.corrupt && i == s.badIndex) return s.badValue;
        int64 v = int64(int256(uint256(keccak256(abi.encode(s.seed, i))) % 2001) - 1000);
        return s.relu && v < 0 ? int64(0) : v;
    }

    function valueOf(bytes32 id, uint256 i) external view returns (int64) {
        return value(_specs[id], i);
    }

    /// @notice Leaf l (1024 bytes: 128 i64 big-endian elements) of tensor `id`.
    function leaf(bytes32 id, uint256 l) public view returns (bytes memory out) {
        TensorSpec memory s = _specs[id];
        // 24 spare bytes: each 32-byte store spills past its 8-byte element into the next ones
        // (written afterwards, in ascending order) and, for the last element, into the spare.
        out = new bytes(1024 + 24);
        for (uint256 k = 0; k < 128; ++k) {
            uint256 w = uint256(uint64(value(s, l * 128 + k))) << 192;
            assembly ("memory-safe") {
                mstore(add(add(out, 32), shl(3, k)), w)
            }
        }
        assembly ("memory-safe") {
            mstore(out, 1024)
        }
    }

    /// @notice Registers (and builds once) a tensor; returns its id.
    function tensor(TensorSpec memory s) public returns (bytes32 id) {
        id = tensorId(s);
        TensorCache storage c = _tensors[id];
        if (c.built) return id;
        _specs[id] = s;
        for (uint256 l = 0; l < LEAVES; ++l) c.leafHashes[l] = sha256(abi.encodePacked(bytes1(0x00), leaf(id, l)));
        c.dataRoot = LibHash.node(LibHash.node(c.leafHashes[0], c.leafHashes[1]), LibHash.node(c.leafHashes[2], c.leafHashes[3]));
        uint64[] memory shape = new uint64[](1);
        shape[0] = uint64(NUMEL);
        c.hash = LibTensor.tensorHashMemory(SCALE, shape, c.dataRoot);
        c.built = true;
    }

    function tensorHash(bytes32 id) public view returns (bytes32) {
        return _tensors[id].hash;
    }

    function dataRoot(bytes32 id) external view returns (bytes32) {
        return _tensors[id].dataRoot;
    }

    /// @notice Node `index` at `height` of tensor `id`'s data tree (height 0: leaf hashes).
    function dataNode(bytes32 id, uint256 index, uint256 height) public view returns (bytes32) {
        TensorCache storage c = _tensors[id];
        if (height == 0) return c.leafHashes[index];
        if (height == 1) return LibHash.node(c.leafHashes[2 * index], c.leafHashes[2 * index + 1]);
        return c.dataRoot;
    }

    /// @notice Element proof of element e of tensor `id`.
    function elementProof(bytes32 id, uint256 e) external view returns (LibTensor.ElementProof memory p) {
        uint64[] memory shape = new uint64[](1);
        shape[0] = uint64(NUMEL);
        TensorCache storage c = _tensors[id];
        uint256 l = e >> 7;
        bytes32[] memory sib = new bytes32[](2);
        sib[0] = c.leafHashes[l ^ 1];
        sib[1] = l < 2 ? LibHash.node(c.leafHashes[2], c.leafHashes[3]) : LibHash.node(c.leafHashes[0], c.leafHashes[1]);
        p = LibTensor.ElementProof(SCALE, shape, e, leaf(id, l), sib);
    }

    // ------------------------------------------------------------------------------------------
    // States and value tables
    // ------------------------------------------------------------------------------------------

    /// @notice Registers the state of two tensors; returns its state hash.
    function state(bytes32 t0, bytes32 t1) public returns (bytes32 h) {
        h = LibHash.state(N_STATE, LibHash.node(tensorHash(t0), tensorHash(t1)));
        _states[h] = [t0, t1];
    }

    function stateTensors(bytes32 stateHash) external view returns (bytes32[2] memory) {
        return _states[stateHash];
    }

    function isState(bytes32 stateHash) external view returns (bool) {
        return _states[stateHash][0] != bytes32(0);
    }

    /// @notice Slot hashes of value table R_j (j = 0..2) of the step from state x to state y.
    function slots(bytes32 x, bytes32 y, uint256 j) public view returns (bytes32[] memory s) {
        bytes32[2] memory xs = _states[x];
        bytes32[2] memory ys = _states[y];
        s = new bytes32[](N_SLOTS);
        s[0] = tensorHash(xs[0]);
        s[1] = tensorHash(xs[1]);
        s[2] = CONST_HASH;
        if (j >= 1) s[3] = tensorHash(ys[0]);
        if (j >= 2) s[4] = tensorHash(ys[1]);
    }

    /// @notice Value-table root R_j of the step from x to y.
    function valueTableRoot(bytes32 x, bytes32 y, uint256 j) external view returns (bytes32) {
        return LibHash.valueTable(N_SLOTS, listRoot(slots(x, y, j)));
    }

    // ------------------------------------------------------------------------------------------
    // Hash lists (docs/SPEC.md §3: padding subtrees are bytes32(0))
    // ------------------------------------------------------------------------------------------

    function listRoot(bytes32[] memory items) public pure returns (bytes32) {
        bytes32[] memory copy = new bytes32[](items.length);
        for (uint256 i = 0; i < items.length; ++i) copy[i] = items[i];
        return LibHash.listRootInPlace(copy);
    }

    /// @notice Node `index` at `height` of the list tree over `items` (0 for padding).
    function listNode(bytes32[] memory items, uint256 index, uint256 height) public pure returns (bytes32) {
        uint256 n = items.length;
        if ((index << height) >= n) return bytes32(0);
        if (height == 0) return items[index];
        return LibHash.node(listNode(items, 2 * index, height - 1), listNode(items, 2 * index + 1, height - 1));
    }

    /// @notice Bottom-up sibling path of item `index` in the list tree of `items`.
    function path(bytes32[] memory items, uint256 index) public pure returns (bytes32[] memory p) {
        uint256 depth = LibHash.listDepth(items.length);
        p = new bytes32[](depth);
        for (uint256 d = 0; d < depth; ++d) p[d] = listNode(items, (index >> d) ^ 1, d);
    }
}
