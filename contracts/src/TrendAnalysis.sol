// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Owned} from "./Owned.sol";

/// @title TrendAnalysis
/// @notice Feeders submit one daily observation per asset (price scaled by 1e8, day number strictly
///         increasing per asset). The contract keeps a short (7) and a long (30) simple moving average in
///         a ring buffer and exposes each asset's trend: Up when the short average is above the long one,
///         Down when below, Flat when equal or while fewer than 30 observations exist. TrendChanged is
///         emitted whenever an asset's trend differs from the one after its previous observation.
/// @dev The averages are compared exactly (shortSum * 30 against longSum * 7), never after rounding; the
///      averages reported in events and views are floor(sum / window). The role of Owned is "feeder".
contract TrendAnalysis is Owned {
    /// @notice Observations in the short moving average.
    uint256 public constant SHORT_WINDOW = 7;
    /// @notice Observations in the long moving average (the ring buffer's length).
    uint256 public constant LONG_WINDOW = 30;
    /// @notice Largest accepted price (scaled by 1e8): keeps every sum inside its storage slot.
    uint256 public constant MAX_PRICE = 1e24;

    enum Trend {
        Flat,
        Up,
        Down
    }

    /// @notice `day` is not after the asset's last observed day.
    error DayNotIncreasing(bytes32 asset, uint32 lastDay, uint32 day);
    /// @notice The price is zero or above MAX_PRICE.
    error PriceOutOfRange(uint256 price);
    /// @notice The day and price arrays differ in length, or are empty.
    error BadBatch(uint256 dayCount, uint256 priceCount);

    /// @notice Emitted when an asset's trend flips (including the first trend after 30 observations).
    event TrendChanged(bytes32 indexed asset, Trend trend, uint32 day, uint256 shortMA, uint256 longMA);

    struct Series {
        uint32 lastDay;
        uint32 count;
        Trend trend;
        uint88 shortSum;
        uint88 longSum;
    }

    mapping(bytes32 => Series) private _series;
    mapping(bytes32 => uint128[30]) private _ring;
    bytes32[] private _assets;

    constructor(address initialOwner) Owned(initialOwner) {}

    /// @notice Submits one observation of `asset`. Feeders only.
    /// @param asset Asset id (for example keccak256 of its symbol, or the symbol left-aligned).
    /// @param day Day number (days since 1970-01-01); strictly greater than the asset's last one.
    /// @param price Price scaled by 1e8; 0 < price <= MAX_PRICE.
    function submit(bytes32 asset, uint32 day, uint256 price) external onlyMember {
        _push(asset, day, price);
    }

    /// @notice Submits several observations of `asset` in day order, as if submitted one by one. Feeders only.
    /// @param asset Asset id.
    /// @param days_ Day numbers, strictly increasing.
    /// @param prices Prices scaled by 1e8, one per day.
    function submitMany(bytes32 asset, uint32[] calldata days_, uint256[] calldata prices) external onlyMember {
        if (days_.length != prices.length || days_.length == 0) revert BadBatch(days_.length, prices.length);
        for (uint256 i = 0; i < days_.length; ++i) {
            _push(asset, days_[i], prices[i]);
        }
    }

    /// @notice The asset's current trend (Flat before any observation).
    function trendOf(bytes32 asset) external view returns (Trend) {
        return _series[asset].trend;
    }

    /// @notice The asset's state: last day, observation count, trend and both moving averages (scaled by 1e8).
    /// @dev Before a window is full its average is over the observations so far; 0 with none.
    function seriesOf(bytes32 asset)
        external
        view
        returns (uint32 lastDay, uint32 count, Trend trend, uint256 shortMA, uint256 longMA)
    {
        Series memory s = _series[asset];
        lastDay = s.lastDay;
        count = s.count;
        trend = s.trend;
        if (s.count > 0) {
            shortMA = uint256(s.shortSum) / _min(s.count, SHORT_WINDOW);
            longMA = uint256(s.longSum) / _min(s.count, LONG_WINDOW);
        }
    }

    /// @notice Number of assets that have at least one observation.
    function assetCount() external view returns (uint256) {
        return _assets.length;
    }

    /// @notice The `index`-th asset to have been observed (in order of first observation).
    function assetAt(uint256 index) external view returns (bytes32) {
        return _assets[index];
    }

    function _push(bytes32 asset, uint32 day, uint256 price) private {
        if (price == 0 || price > MAX_PRICE) revert PriceOutOfRange(price);
        Series memory s = _series[asset];
        if (s.count > 0 && day <= s.lastDay) revert DayNotIncreasing(asset, s.lastDay, day);
        if (s.count == 0) _assets.push(asset);
        uint128[30] storage ring = _ring[asset];
        uint256 n = s.count;
        uint256 shortSum = s.shortSum;
        uint256 longSum = s.longSum;
        uint256 slot = n % LONG_WINDOW;
        if (n >= LONG_WINDOW) longSum -= ring[slot];
        if (n >= SHORT_WINDOW) shortSum -= ring[(n - SHORT_WINDOW) % LONG_WINDOW];
        shortSum += price;
        longSum += price;
        ring[slot] = uint128(price);
        n += 1;

        Trend trend = Trend.Flat;
        if (n >= LONG_WINDOW) {
            uint256 shortScaled = shortSum * LONG_WINDOW;
            uint256 longScaled = longSum * SHORT_WINDOW;
            if (shortScaled > longScaled) trend = Trend.Up;
            else if (shortScaled < longScaled) trend = Trend.Down;
        }
        if (trend != s.trend) {
            emit TrendChanged(asset, trend, day, shortSum / SHORT_WINDOW, longSum / LONG_WINDOW);
        }
        _series[asset] = Series({
            lastDay: day,
            count: uint32(n),
            trend: trend,
            shortSum: uint88(shortSum),
            longSum: uint88(longSum)
        });
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
