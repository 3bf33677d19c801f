"""Syntetos–Boylan–Croston classes at and around their cut-offs (ADI 1.32, CV² 0.49)."""

import numpy as np

from demand.forecasting.classify import classify, sbc_statistics
from demand.forecasting.prepare import pack

NAN = np.nan


def _classes(*rows):
    width = max(len(row) for row in rows)
    history = np.array([[NAN] * (width - len(row)) + list(row) for row in rows])
    packed = pack(history)
    return list(classify(packed.values, packed.periods)), packed


def test_four_classes_from_adi_and_cv2():
    classes, packed = _classes(
        [2, 2, 2, 2, 2, 2, 2, 2],  # ADI 1, CV² 0: smooth
        [1, 9, 1, 9, 1, 9, 1, 9],  # sizes mean 5, variance 16: CV² 0.64: erratic
        [3, 0, 3, 0, 3, 0, 3, 0],  # ADI 8 / 4 = 2, CV² 0: intermittent
        [1, 0, 9, 0, 1, 0, 9, 0],  # ADI 2, CV² 0.64: lumpy
    )
    assert classes == ["smooth", "erratic", "intermittent", "lumpy"]
    adi, cv2 = sbc_statistics(packed.values, packed.periods)
    np.testing.assert_allclose(adi, [1, 1, 2, 2])
    np.testing.assert_allclose(cv2, [0, 0.64, 0, 0.64])


def test_cut_offs_are_the_lower_bound_of_the_high_classes():
    at_cut = [1] * 25 + [0] * 8  # ADI 33 / 25 = 1.32 exactly: intermittent
    below = [1] * 25 + [0] * 7  # ADI 32 / 25 = 1.28: smooth
    # Sizes 3 and 7: mean 5, variance 4, CV² 0.16: smooth; sizes 3 and 17: mean 10,
    # variance 49, CV² 0.49 exactly: erratic.
    classes, packed = _classes(at_cut, below, [3, 7] * 4, [3, 17] * 4)
    assert classes == ["intermittent", "smooth", "smooth", "erratic"]
    adi, cv2 = sbc_statistics(packed.values, packed.periods)
    np.testing.assert_allclose(adi, [1.32, 1.28, 1.0, 1.0])
    np.testing.assert_allclose(cv2[2:], [0.16, 0.49])


def test_new_rows_count_periods_since_the_first_record_and_empty_rows_have_no_demand():
    classes, packed = _classes(
        [NAN, NAN, NAN, 5, 5, 5, 5, 5, 5, 5],  # 7 periods since the first record: new
        [NAN, 0, 0, 0, 0, 0, 0, 0, 0, 5],  # 9 periods, one with demand: ADI 9, intermittent
        [NAN, NAN, 5, 5, 5, 5, 5, 5, NAN, 5],  # 8 periods (a missing one is 0): ADI 8 / 7
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [NAN] * 10,
    )
    assert classes == ["new", "intermittent", "smooth", "no_demand", "no_demand"]
    np.testing.assert_array_equal(packed.periods, [7, 9, 8, 10, 0])
