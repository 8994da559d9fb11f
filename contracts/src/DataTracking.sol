// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Owned} from "./Owned.sol";

/// @title DataTracking
/// @notice An append-only registry of data commitments: each batch is a Merkle root over `count` records
///         of one `kind`, with a URI saying where the records are published. Batches can be read by id and
///         by root; nothing can be overwritten or deleted, and a root can be recorded only once.
/// @dev The role of Owned is "recorder". The block timestamp stored with a batch is what makes a
///      commitment a timestamp: a record cannot be said to have existed before its batch's block.
contract DataTracking is Owned {
    /// @notice The root is zero.
    error EmptyRoot();
    /// @notice The batch holds no records.
    error EmptyBatch();
    /// @notice The root was recorded before, in batch `batchId`.
    error RootAlreadyRecorded(bytes32 root, uint256 batchId);
    /// @notice No batch has this id.
    error UnknownBatch(uint256 batchId);
    /// @notice No batch has this root.
    error UnknownRoot(bytes32 root);

    /// @notice Emitted once per batch, when it is recorded.
    event DataRecorded(
        uint256 indexed batchId,
        bytes32 indexed root,
        uint64 count,
        bytes32 indexed kind,
        address recorder,
        uint64 timestamp
    );

    /// @notice One recorded batch, as getBatch and getBatchByRoot return it.
    struct Batch {
        bytes32 root;
        address recorder;
        uint48 count;
        uint48 timestamp;
        bytes32 kind;
        uint64 blockNumber;
        string uri;
    }

    /// @dev A batch as stored: recorder, count and timestamp share one slot; the block number lives in
    ///      the root's index slot. One slot less per record than storing Batch as is (22,100 gas).
    struct Stored {
        bytes32 root;
        address recorder;
        uint48 count;
        uint48 timestamp;
        bytes32 kind;
        string uri;
    }

    /// @dev root => (batch id + 1, 0 meaning not recorded; block number of the record), one slot.
    struct Index {
        uint192 idPlusOne;
        uint64 blockNumber;
    }

    Stored[] private _batches;
    mapping(bytes32 => Index) private _index;

    constructor(address initialOwner) Owned(initialOwner) {}

    /// @notice Records a batch of `count` records of `kind` committed to by Merkle `root`. Recorders only.
    /// @dev Reverts MissingRole (not a recorder), EmptyRoot, EmptyBatch, RootAlreadyRecorded; emits DataRecorded.
    /// @param root Merkle root of the batch's leaves; must be new and non-zero.
    /// @param count Number of leaves (records) in the batch; at least one.
    /// @param kind What the records are, left-aligned ASCII (for example "predictions.v1").
    /// @param uri Where the records are published (may be empty).
    /// @return batchId The id of the new batch (0 for the first).
    function record(bytes32 root, uint48 count, bytes32 kind, string calldata uri)
        external
        onlyMember
        returns (uint256 batchId)
    {
        if (root == bytes32(0)) revert EmptyRoot();
        if (count == 0) revert EmptyBatch();
        uint256 existing = _index[root].idPlusOne;
        if (existing != 0) revert RootAlreadyRecorded(root, existing - 1);
        batchId = _batches.length;
        _batches.push(
            Stored({
                root: root,
                recorder: msg.sender,
                count: count,
                timestamp: uint48(block.timestamp),
                kind: kind,
                uri: uri
            })
        );
        _index[root] = Index({idPlusOne: uint192(batchId + 1), blockNumber: uint64(block.number)});
        emit DataRecorded(batchId, root, count, kind, msg.sender, uint64(block.timestamp));
    }

    /// @notice Number of batches recorded so far.
    function batchCount() external view returns (uint256) {
        return _batches.length;
    }

    /// @notice The batch with id `batchId`; reverts with UnknownBatch when there is none.
    function getBatch(uint256 batchId) external view returns (Batch memory) {
        if (batchId >= _batches.length) revert UnknownBatch(batchId);
        return _load(batchId);
    }

    /// @notice The batch whose root is `root`; reverts with UnknownRoot when there is none.
    function getBatchByRoot(bytes32 root) external view returns (uint256 batchId, Batch memory batch) {
        uint256 idPlusOne = _index[root].idPlusOne;
        if (idPlusOne == 0) revert UnknownRoot(root);
        batchId = idPlusOne - 1;
        batch = _load(batchId);
    }

    /// @notice Whether `root` has been recorded.
    function isRecorded(bytes32 root) external view returns (bool) {
        return _index[root].idPlusOne != 0;
    }

    function _load(uint256 batchId) private view returns (Batch memory) {
        Stored storage b = _batches[batchId];
        return Batch({
            root: b.root,
            recorder: b.recorder,
            count: b.count,
            timestamp: b.timestamp,
            kind: b.kind,
            blockNumber: _index[b.root].blockNumber,
            uri: b.uri
        });
    }
}
