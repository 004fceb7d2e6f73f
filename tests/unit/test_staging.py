"""Staging over real folders: plain paths, file:// and memory:// URLs, awkward names, broken entries."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_provider_faceid.staging import (
    EMPTY_FILE,
    FILE_TOO_LARGE,
    READ_ERROR,
    SOURCE_NOT_FOUND,
    StagedObject,
    StagingError,
    list_staged,
    read_staged,
)

AWKWARD_NAMES = [
    "a.jpg",
    "B.JPG",
    "with space.jpeg",
    'it\'s "quoted".png',
    "hash#and?query%20.jpg",
    "身份证 正面.jpg",
    "sub/inner.png",
    "sub/deeper/张三 背面.JPEG",
    "sub/deeper/tiff scan.tif",
]
NOT_STAGED = ["notes.txt", "contract.pdf", "sub/readme", "sub/deeper/.jpg.bak"]


def _write(root: Path, names: list[str]) -> dict[str, bytes]:
    contents = {}
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = f"content of {name}".encode()
        path.write_bytes(data)
        contents[name] = data
    return contents


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "staging area"
    _write(root, AWKWARD_NAMES + NOT_STAGED)
    return root


def _relative(objs: list[StagedObject], prefix: str) -> list[str]:
    assert all(o.uri.startswith(prefix) for o in objs), [o.uri for o in objs]
    return [o.uri[len(prefix) :] for o in objs]


def test_plain_path_lists_images_recursively_sorted(folder: Path) -> None:
    objs = list(list_staged(str(folder)))
    names = _relative(objs, str(folder) + "/")
    assert sorted(names) == sorted(AWKWARD_NAMES)
    # Depth-first with names sorted inside each folder: deterministic across runs.
    assert names == [
        "B.JPG",
        "a.jpg",
        "hash#and?query%20.jpg",
        'it\'s "quoted".png',
        "sub/deeper/tiff scan.tif",
        "sub/deeper/张三 背面.JPEG",
        "sub/inner.png",
        "with space.jpeg",
        "身份证 正面.jpg",
    ]
    assert names == _relative(list(list_staged(str(folder))), str(folder) + "/")
    for obj in objs:
        assert obj.problem is None
        assert obj.size == len(f"content of {obj.uri[len(str(folder)) + 1 :]}".encode())
        assert obj.etag is not None and obj.etag.startswith("mtime:")


def test_file_url_gives_file_urls_and_reads_back(folder: Path) -> None:
    objs = list(list_staged(f"file://{folder}"))
    assert _relative(objs, f"file://{folder}/") == _relative(list(list_staged(str(folder))), f"{folder}/")
    for obj in objs:
        staged = read_staged(obj, max_bytes=1024)
        expected = (folder / obj.uri[len(f"file://{folder}/") :]).read_bytes()
        assert staged.data == expected
        assert staged.sha256 == hashlib.sha256(expected).hexdigest()


def test_pattern_overrides_default_and_is_case_insensitive(folder: Path) -> None:
    pdfs = list(list_staged(str(folder), pattern="*.PDF"))
    assert [Path(o.uri).name for o in pdfs] == ["contract.pdf"]
    both = list(list_staged(str(folder), pattern=["*.txt", "*.tif"]))
    assert sorted(Path(o.uri).name for o in both) == ["notes.txt", "tiff scan.tif"]


def test_glob_source_selects_exactly_what_it_matches(folder: Path) -> None:
    objs = list(list_staged(f"{folder}/**/*.png"))
    assert sorted(Path(o.uri).name for o in objs) == ["inner.png", 'it\'s "quoted".png']
    assert list(list_staged(f"{folder}/*.nothing")) == []


def test_folder_with_glob_characters_in_its_name_is_a_folder(tmp_path: Path) -> None:
    _write(tmp_path, ["scans [2024]/a.jpg", "scans [2024]/b?.png", "scans 2/c.jpg"])
    objs = list(list_staged(str(tmp_path / "scans [2024]")))
    assert [Path(o.uri).name for o in objs] == ["a.jpg", "b?.png"]


def test_prefix_and_single_file_sources(folder: Path) -> None:
    objs = list(list_staged(f"{folder}/with"))
    assert [Path(o.uri).name for o in objs] == ["with space.jpeg"]
    single = list(list_staged(str(folder / "contract.pdf")))
    assert [o.uri for o in single] == [str(folder / "contract.pdf")]


def test_missing_source_raises(tmp_path: Path) -> None:
    with pytest.raises(StagingError) as err:
        list(list_staged(str(tmp_path / "no such folder")))
    assert err.value.code == SOURCE_NOT_FOUND


def test_empty_folder_yields_nothing(tmp_path: Path) -> None:
    assert list(list_staged(str(tmp_path))) == []


def test_broken_entries_are_staged_with_a_problem_and_fail_on_read(tmp_path: Path) -> None:
    root = tmp_path / "drop"
    _write(root, ["good.jpg", "sub/ok.jpg"])
    (root / "empty.jpg").write_bytes(b"")
    os.symlink(root / "nowhere.jpg", root / "dangling.jpg")
    os.symlink(root / "loop_b.jpg", root / "loop_a.jpg")
    os.symlink(root / "loop_a.jpg", root / "loop_b.jpg")
    os.mkfifo(root / "pipe.jpg")
    os.symlink(root, root / "sub" / "back to root")  # folder cycle
    os.symlink(root / "sub", root / "alias of sub")  # second link to a listed folder

    objs = {Path(o.uri).name: o for o in list_staged(str(root))}
    assert sorted(objs) == sorted(
        ["good.jpg", "ok.jpg", "empty.jpg", "dangling.jpg", "loop_a.jpg", "loop_b.jpg", "pipe.jpg"]
    )
    assert objs["dangling.jpg"].problem is not None and "dangling" in objs["dangling.jpg"].problem
    assert objs["loop_a.jpg"].problem == "symlink loop"
    assert objs["pipe.jpg"].problem == "not a regular file"
    assert objs["good.jpg"].problem is None

    codes = {}
    for name, obj in objs.items():
        try:
            read_staged(obj, max_bytes=1024)
            codes[name] = "ok"
        except StagingError as exc:
            codes[name] = exc.code
            assert exc.uri == obj.uri
    assert codes == {
        "good.jpg": "ok",
        "ok.jpg": "ok",
        "empty.jpg": EMPTY_FILE,
        "dangling.jpg": READ_ERROR,
        "loop_a.jpg": READ_ERROR,
        "loop_b.jpg": READ_ERROR,
        "pipe.jpg": READ_ERROR,
    }


def test_fifo_found_after_listing_is_not_opened(tmp_path: Path) -> None:
    # Opening a FIFO blocks until a writer appears; read_staged must check before opening.
    path = tmp_path / "late.jpg"
    path.write_bytes(b"x")
    (obj,) = list_staged(str(tmp_path))
    path.unlink()
    os.mkfifo(path)
    with pytest.raises(StagingError) as err:
        read_staged(obj, max_bytes=10)
    assert err.value.code == READ_ERROR


def test_size_cap_uses_listing_size_and_actual_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    path.write_bytes(b"x" * 100)
    (obj,) = list_staged(str(tmp_path))
    assert read_staged(obj, max_bytes=100).data == b"x" * 100
    with pytest.raises(StagingError) as err:
        read_staged(obj, max_bytes=99)
    assert err.value.code == FILE_TOO_LARGE
    # The file grew after listing: the cap still holds on the bytes actually read.
    path.write_bytes(b"x" * 500)
    with pytest.raises(StagingError) as err:
        read_staged(obj, max_bytes=200)
    assert err.value.code == FILE_TOO_LARGE


def test_file_vanished_after_listing(tmp_path: Path) -> None:
    path = tmp_path / "gone.png"
    path.write_bytes(b"x")
    (obj,) = list_staged(str(tmp_path))
    path.unlink()
    with pytest.raises(StagingError) as err:
        read_staged(obj, max_bytes=10)
    assert err.value.code == READ_ERROR
    assert str(err.value).startswith(f"READ_ERROR: {obj.uri}: ")


# Root reads folders whatever their mode (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), and CI runs as
# root: the listing then runs in a child without those two capabilities, so the mode applies to it
# as to any owner. (``runuser -u nobody`` would not do: the venv's Python lives under /root.)
WITHOUT_DAC_OVERRIDE = (
    ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
)
LIST_AS_JSON = (
    "import json, sys\n"
    "from airflow_provider_faceid.staging import list_staged\n"
    "print(json.dumps([[o.uri, o.problem] for o in list_staged(sys.argv[1])]))\n"
)


def test_unreadable_subfolder_becomes_a_problem_entry(tmp_path: Path) -> None:
    _write(tmp_path, ["a.jpg", "locked/b.jpg"])
    (tmp_path / "locked").chmod(0)
    try:
        completed = subprocess.run(
            [*WITHOUT_DAC_OVERRIDE, sys.executable, "-c", LIST_AS_JSON, str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
    finally:
        (tmp_path / "locked").chmod(0o755)
    listed = json.loads(completed.stdout)
    assert [uri.rsplit("/", 1)[-1] for uri, _ in listed] == ["a.jpg", "locked"]
    assert [problem is not None for _, problem in listed] == [False, True]


def test_listing_is_lazy(tmp_path: Path) -> None:
    _write(tmp_path, [f"d{i}/img.jpg" for i in range(3)])
    it = list_staged(str(tmp_path))
    first = next(it)
    assert first.uri.endswith("d0/img.jpg")
    # A folder created after the walk started but before it is reached is seen: nothing was pre-listed.
    _write(tmp_path, ["d2/late.jpg"])
    rest = [Path(o.uri).name for o in it]
    assert rest == ["img.jpg", "img.jpg", "late.jpg"]


@pytest.fixture
def memory_root() -> Iterator[str]:
    from airflow.sdk import ObjectStoragePath

    bucket = f"memory://bucket-{uuid.uuid4().hex[:8]}"
    root = ObjectStoragePath(f"{bucket}/scans")
    for name in AWKWARD_NAMES + NOT_STAGED:
        (root / name).write_bytes(f"content of {name}".encode())
    yield bucket
    ObjectStoragePath(bucket).rmdir(recursive=True)


def test_memory_store_via_object_storage_path(memory_root: str) -> None:
    objs = list(list_staged(f"{memory_root}/scans"))
    prefix = memory_root.replace("memory://", "memory:///") + "/scans/"
    names = _relative(objs, prefix)
    assert sorted(names) == sorted(AWKWARD_NAMES)
    assert names == sorted(names)  # flat key listing, sorted by key
    for obj in objs:
        staged = read_staged(obj, max_bytes=1024)
        assert staged.data == f"content of {obj.uri[len(prefix) :]}".encode()
        assert obj.size == len(staged.data)
        assert obj.etag is not None

    globbed = list(list_staged(f"{memory_root}/scans/**/*.png"))
    assert sorted(Path(o.uri).name for o in globbed) == ["inner.png", 'it\'s "quoted".png']
    assert all(o.size is not None for o in globbed)
    prefixed = list(list_staged(f"{memory_root}/scans/sub/deep"))
    assert sorted(Path(o.uri).name for o in prefixed) == ["tiff scan.tif", "张三 背面.JPEG"]
    with pytest.raises(StagingError) as err:
        list(list_staged(f"{memory_root}/nothing-here"))
    assert err.value.code == SOURCE_NOT_FOUND


def test_memory_empty_object(memory_root: str) -> None:
    from airflow.sdk import ObjectStoragePath

    ObjectStoragePath(f"{memory_root}/scans/zero.jpg").write_bytes(b"")
    (obj,) = [o for o in list_staged(f"{memory_root}/scans") if o.uri.endswith("zero.jpg")]
    with pytest.raises(StagingError) as err:
        read_staged(obj, max_bytes=10)
    assert err.value.code == EMPTY_FILE


def test_staging_error_pickles() -> None:
    import pickle

    err = pickle.loads(pickle.dumps(StagingError(READ_ERROR, "/x.jpg", "gone")))
    assert (err.code, err.uri, err.reason) == (READ_ERROR, "/x.jpg", "gone")
