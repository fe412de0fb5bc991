"""A spec `tthc sample` cannot generate is one SampleError line naming the file, never a
traceback (errors.py: SampleError in the one tree)."""

from __future__ import annotations

import pytest
import yaml
from helpers.paths import ROOT

from tthc_lib.errors import SampleError, TthcError
from tthc_lib.sample.city import generate_sample

TAIL = "; cần một tệp YAML như params/sample_city.yaml."


@pytest.mark.parametrize("text, why", [
    ("foo: 1\n", "thiếu mục 'targets'"),
    ("a: [\n", "không phải YAML hợp lệ"),
])
def test_a_bad_spec_is_one_line(tmp_path, text, why):
    spec = tmp_path / "city.yaml"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(SampleError) as caught:
        generate_sample(spec, tmp_path / "out")
    assert str(caught.value) == f"{spec}: không dùng được mô tả thành phố mẫu ({why}){TAIL}"
    assert isinstance(caught.value, TthcError) and "\n" not in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_inconsistent_targets_are_named(tmp_path):
    spec = yaml.safe_load((ROOT / "params" / "sample_city.yaml").read_text(encoding="utf-8"))
    scope, targets = next(iter(spec["targets"]["dossiers"].items()))
    targets["received_total"] = targets.get("received_total", 0) + 1
    bad = tmp_path / "city.yaml"
    bad.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SampleError) as caught:
        generate_sample(bad, tmp_path / "out")
    assert str(caught.value).startswith(
        f"{bad}: không dùng được mô tả thành phố mẫu (targets.{scope}.received_total = ")
