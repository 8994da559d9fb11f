// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Owned
/// @notice Single owner with two-step transfer and a set of addresses holding a role the owner grants.
/// @dev Shared by DataTracking (recorders) and TrendAnalysis (feeders). The owner is never a member of
///      the role implicitly: granting the role to itself is an explicit act, visible as an event.
abstract contract Owned {
    /// @notice The caller is not the owner.
    error NotOwner(address caller);
    /// @notice The caller is not the pending owner named by transferOwnership.
    error NotPendingOwner(address caller);
    /// @notice The caller does not hold the role this function needs.
    error MissingRole(address caller);
    /// @notice The zero address was given where an account is needed.
    error ZeroAddress();

    /// @notice Emitted when the owner names a new owner; nothing changes until that owner accepts.
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice Emitted when ownership changes hands.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    /// @notice Emitted when the role is granted (true) or revoked (false).
    event RoleSet(address indexed account, bool granted);

    address private _owner;
    address private _pendingOwner;
    mapping(address => bool) private _members;

    constructor(address initialOwner) {
        if (initialOwner == address(0)) revert ZeroAddress();
        _owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    modifier onlyOwner() {
        if (msg.sender != _owner) revert NotOwner(msg.sender);
        _;
    }

    modifier onlyMember() {
        if (!_members[msg.sender]) revert MissingRole(msg.sender);
        _;
    }

    /// @notice The current owner.
    function owner() external view returns (address) {
        return _owner;
    }

    /// @notice The owner named by the last transferOwnership that has not been accepted yet.
    function pendingOwner() external view returns (address) {
        return _pendingOwner;
    }

    /// @notice Whether `account` holds the role.
    function hasRole(address account) public view returns (bool) {
        return _members[account];
    }

    /// @notice Grants (`granted` true) or revokes the role of `account`. Owner only.
    function setRole(address account, bool granted) external onlyOwner {
        if (account == address(0)) revert ZeroAddress();
        _members[account] = granted;
        emit RoleSet(account, granted);
    }

    /// @notice Starts a two-step ownership transfer to `newOwner`. Owner only.
    /// @dev Naming the zero address cancels a pending transfer.
    function transferOwnership(address newOwner) external onlyOwner {
        _pendingOwner = newOwner;
        emit OwnershipTransferStarted(_owner, newOwner);
    }

    /// @notice Completes the transfer; only the pending owner may call it.
    function acceptOwnership() external {
        if (msg.sender != _pendingOwner || msg.sender == address(0)) revert NotPendingOwner(msg.sender);
        address previous = _owner;
        _owner = msg.sender;
        _pendingOwner = address(0);
        emit OwnershipTransferred(previous, msg.sender);
    }
}
