"""faceid-local's document specimens: each layout pairs back into its documents under its pair_by."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from airflow_provider_faceid.documents import parse_pair_by
from airflow_provider_faceid.local.cli import main
from airflow_provider_faceid.local.specimens.documents import LAYOUTS, PAIR_BY, write_documents
from airflow_provider_faceid.local.specimens.generate import read_truth
from airflow_provider_faceid.staging import list_staged


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_pairs_back_under_its_rule(layout: str, tmp_path: Path) -> None:
    written = write_documents(out_dir=tmp_path, layout=layout, count=3, seed=5, incomplete=1, conflicting=1)
    rule = parse_pair_by(PAIR_BY[layout])
    refs = [rule.document_of(obj) for obj in list_staged(str(tmp_path))]
    assert None not in refs
    assert Counter(ref.key for ref in refs if ref) == {
        written[0].key: 2,
        written[1].key: 3,
        written[2].key: 1,
    }
    complete, conflicting, incomplete = written
    assert complete.front and complete.back and read_truth(complete.front)["side"] == "front"
    assert conflicting.conflicting_front is not None
    other = read_truth(conflicting.conflicting_front)["id_card_number"]
    assert conflicting.front and other != read_truth(conflicting.front)["id_card_number"]
    assert (incomplete.front is None) != (incomplete.back is None)


def test_the_cli_writes_documents_and_says_which_pair_by(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            ["specimens", "--layout", "manifest", "--count", "2", "--incomplete", "1", "--out", str(tmp_path)]
        )
        == 0
    )
    assert "pair_by='manifest:manifest.csv'" in capsys.readouterr().out
    assert (tmp_path / "manifest.csv").read_text("utf-8").count("\n") == 3
