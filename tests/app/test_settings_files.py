"""The settings and policy files: bounded reads, known key-binding ids, and every refusal in the user's language —
one line, exit code 2, never a traceback, never pydantic's or tomllib's English."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from csm_tui.app import CsmApp, binding_ids, keymap_clashes
from csm_tui.cli import main
from csm_tui.config import ConfigError, load_settings, settings_language
from csm_tui.policy import PolicyError, load_policy
from csm_tui.small_file import MAX_BYTES, SmallFileError, read_small_text

CSM = Path(sys.executable).with_name("csm")
ENGLISH_OF_THE_LIBRARIES = ("Input should", "Value error", "Extra inputs", "Field required", "Expected", "at line")


@pytest.fixture(autouse=True)
def _no_language_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CSM_LANG", "CSM_CONFIG", "CSM_DB_URL"):
        monkeypatch.delenv(name, raising=False)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def one_clean_line(result: Result, *fragments: str) -> str:
    """The refusal: exit code 2 and one line naming ``fragments``, with no library's English in it."""
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line and "Traceback" not in line, line
    for fragment in fragments:
        assert fragment in line, line
    for english in ENGLISH_OF_THE_LIBRARIES:
        assert english not in line, line
    return line


# --- key-binding ids ----------------------------------------------------------------------------------------------


def test_the_binding_ids_are_every_screens_and_widgets() -> None:
    ids = binding_ids()
    assert {"nav.queue", "app.search", "call.interested", "wizard.a", "list.down", "team.export"} <= ids
    assert {b.id for b in CsmApp.BINDINGS if not isinstance(b, tuple)} <= ids


def test_an_unknown_binding_id_is_refused_with_the_id(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", '[keymap]\n"nav.queue" = "f3"\n"nav.quue" = "2"\n"zz.top" = "z"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config, binding_ids=binding_ids)
    assert (caught.value.path, caught.value.key) == (config, "keymap")
    assert "nav.quue, zz.top" in caught.value.reason


def test_known_binding_ids_are_taken(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", '[keymap]\n"nav.queue" = "2,f3"\n"call.interested" = "i"\n')
    assert load_settings(config, binding_ids=binding_ids).keymap == {"nav.queue": "2,f3", "call.interested": "i"}


@pytest.mark.parametrize(
    ("keymap", "clash"),
    [
        ('"nav.queue" = "f3"\n', "f3 (app.search, nav.queue)"),  # textual would drop F3's search silently
        ('"nav.queue" = "2,f3"\n', "f3 (app.search, nav.queue)"),
        ('"list.down" = "k"\n', "k (list.down, list.up)"),
    ],
)
def test_a_key_taken_from_another_binding_is_refused_with_both(tmp_path: Path, keymap: str, clash: str) -> None:
    config = write(tmp_path / "config.toml", f"[keymap]\n{keymap}")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, binding_ids=binding_ids, keymap_clashes=keymap_clashes)
    assert caught.value.key == "keymap" and clash in caught.value.reason


def test_keys_swapped_or_free_are_no_clash(tmp_path: Path) -> None:
    keymap = {"nav.queue": "f3", "app.search": "f4", "call.interested": "i"}
    assert keymap_clashes(keymap) == []
    config = write(tmp_path / "config.toml", "[keymap]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in keymap.items()))
    assert load_settings(config, binding_ids=binding_ids, keymap_clashes=keymap_clashes).keymap == keymap


@pytest.mark.parametrize("keys", ["slash", "/", "slash,f2", "/,f2"])
def test_a_key_given_by_its_character_or_its_name_is_the_same_key(keys: str) -> None:
    """The client list's search keeps ``/`` (or adds F2) however it is written: its two bindings of ``/`` (one
    offered from the list, one taking ``/`` in the search) are one binding id."""
    assert keymap_clashes({"clients.search": keys}) == []
    assert keymap_clashes({"clients.leave_search": "/"}) == ["slash (clients.leave_search, clients.search)"]


def test_the_command_refuses_a_key_clash_in_either_language(runner: CliRunner, tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", '[keymap]\n"nav.queue" = "f3"\n')
    zh = one_clean_line(runner.invoke(main, ["--config", str(config), "db", "upgrade"]), str(config), "keymap")
    assert zh.startswith("配置文件") and "f3 (app.search, nav.queue)" in zh
    en = one_clean_line(runner.invoke(main, ["--lang", "en", "--config", str(config), "db", "upgrade"]))
    assert "another binding" in en and "f3 (app.search, nav.queue)" in en


def test_the_command_refuses_an_unknown_binding_id_in_either_language(runner: CliRunner, tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", '[keymap]\n"nav.quue" = "2"\n')
    zh = runner.invoke(main, ["--config", str(config), "db", "upgrade", "--db", f"sqlite:///{tmp_path / 'a.db'}"])
    assert one_clean_line(zh, str(config), "keymap", "nav.quue").startswith("配置文件")
    en = runner.invoke(main, ["--lang", "en", "--config", str(config), "db", "upgrade"])
    assert "unknown key binding id(s): nav.quue" in one_clean_line(en, str(config))
    assert not (tmp_path / "a.db").exists()


# --- size and kind of file --------------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_and_one_at_it_read(tmp_path: Path) -> None:
    at_limit = write(tmp_path / "at.toml", "# " + "x" * (MAX_BYTES - 3) + "\n")
    assert at_limit.stat().st_size == MAX_BYTES
    assert read_small_text(at_limit).startswith("# x")
    over = write(tmp_path / "over.toml", "# " + "x" * (MAX_BYTES - 2) + "\n")
    with pytest.raises(SmallFileError) as caught:
        read_small_text(over)
    assert caught.value.key == "file_error.too_large"


def test_an_oversized_policy_file_is_refused(tmp_path: Path) -> None:
    policy = write(tmp_path / "policy.toml", "[calls]\ndaily_target = 12\n" + "#\n" * MAX_BYTES)
    with pytest.raises(PolicyError) as caught:
        load_policy(policy)
    assert (caught.value.key, caught.value.code) == ("-", "file_error.too_large")


def test_an_oversized_settings_file_is_one_line_in_the_users_language(runner: CliRunner, tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "#\n" * MAX_BYTES)
    line = one_clean_line(runner.invoke(main, ["--lang", "en", "--config", str(config), "db", "upgrade"]))
    assert line == f"The settings file {config} cannot be used: too large (the limit is 1,024 KiB)"
    line = one_clean_line(runner.invoke(main, ["--config", str(config), "db", "upgrade"]))
    assert line == f"配置文件 {config} 无法使用：文件过大（上限 1,024 KiB）"


@pytest.mark.parametrize("special", ["/dev/zero", "directory", "fifo"])
def test_a_device_a_directory_or_a_pipe_is_refused_without_reading_it(tmp_path: Path, special: str) -> None:
    path = Path(special) if special.startswith("/") else tmp_path / special
    if special == "directory":
        path.mkdir()
    elif special == "fifo":
        os.mkfifo(path)  # with no writer: opening it must not wait, nor reading it
    with pytest.raises(SmallFileError) as caught:
        read_small_text(path)
    assert caught.value.key == "file_error.not_regular"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_csm_config_dev_zero_exits_2_with_a_line_naming_it(tmp_path: Path, lang: str) -> None:
    """The real command, as a process: it must not read /dev/zero without end (it once grew until MemoryError)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSM_")} | {"CSM_CONFIG": "/dev/zero"}
    db = f"sqlite:///{tmp_path / 'a.db'}"
    done = subprocess.run(
        [str(CSM), "--lang", lang, "db", "upgrade", "--db", db], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "/dev/zero" in done.stderr
    assert ("不是普通文件" if lang == "zh_CN" else "not a regular file") in done.stderr


def test_a_policy_file_that_is_a_device_is_refused_at_start(runner: CliRunner, tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", 'policy_file = "/dev/zero"\n')
    result = runner.invoke(main, ["--lang", "en", "--config", str(config), "--db", f"sqlite:///{tmp_path / 'a.db'}"])
    line = one_clean_line(result, "/dev/zero")
    assert line == "The branch policy file /dev/zero cannot be used: not a regular file (a directory or a device)"


# --- the language of the settings' own errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "environ", "expected"),
    [
        ("", {}, "zh_CN"),
        ('lang = "en"\n', {}, "en"),
        ('lang = "en"\nnonsense = 1\n', {}, "en"),
        ('lang = "en"\n[keymap\n', {}, "en"),  # not TOML: the top-level line is still found
        ('db_url = "x"\n[keymap]\nlang = "en"\n', {}, "zh_CN"),  # a key of a table is not the language
        ('lang = "fr"\n', {}, "zh_CN"),
        ('lang = "en"\n', {"CSM_LANG": "zh_CN"}, "zh_CN"),
        ("", {"CSM_LANG": "en"}, "en"),
    ],
)
def test_the_language_is_decided_before_the_settings_are_validated(
    tmp_path: Path, text: str, environ: dict[str, str], expected: str
) -> None:
    assert settings_language(write(tmp_path / "config.toml", text), environ) == expected


def test_settings_language_of_a_missing_or_unreadable_file_is_the_default(tmp_path: Path) -> None:
    assert settings_language(tmp_path / "none.toml", {}) == "zh_CN"
    assert settings_language(Path("/dev/zero"), {}) == "zh_CN"


@pytest.mark.parametrize(
    ("args", "environ", "text", "expected"),
    [
        (["--lang", "en"], {}, 'lang = "fr"\n', "The settings file"),
        ([], {"CSM_LANG": "en"}, 'mouse = "sometimes"\n', "The settings file"),
        ([], {}, 'lang = "en"\nmouse = "sometimes"\n', "The settings file"),
        ([], {}, 'lang = "en"\n[keymap\n', "The settings file"),
        ([], {}, 'mouse = "sometimes"\n', "配置文件"),
        (["--lang", "zh_CN"], {}, 'lang = "en"\nmouse = "sometimes"\n', "配置文件"),
    ],
)
def test_settings_errors_are_in_the_chosen_language(
    runner: CliRunner, tmp_path: Path, args: list[str], environ: dict[str, str], text: str, expected: str
) -> None:
    config = write(tmp_path / "config.toml", text)
    result = runner.invoke(main, [*args, "--config", str(config), "db", "upgrade"], env=environ)
    assert one_clean_line(result, str(config)).startswith(expected)


@pytest.mark.parametrize(
    ("policy", "key", "zh", "en"),
    [
        (
            '[suitability]\ninsisted_sale_categories = ["fund", "wealth"]\n',
            "suitability.insisted_sale_categories",
            "超出监管限制：只能包含 fund，不能包含 wealth",
            "beyond the regulator's limit: only fund, never wealth",
        ),
        ("[assessment]\nmax_per_day = 10\n", "assessment.max_per_day", "最多为 2", "at most 2"),
        ("[assessment]\nmax_per_year = 50\n", "assessment.max_per_year", "最多为 8", "at most 8"),
        ("[suitability]\ncooling_off_hours = 0\n", "suitability.cooling_off_hours", "至少为 24", "at least 24"),
        ("[assessment]\nelderly_age = 100\n", "assessment.elderly_age", "最多为 65", "at most 65"),
        ("[assessment]\nbands = [1, 2, 3, 4]\n", "assessment.bands", "24–120", "24–120"),
        (
            '[suitability]\ndual_recording_exempt = ["wealth"]\n',
            "suitability.dual_recording_exempt",
            "wealth",
            "wealth",
        ),
        (
            "[calls]\nfirm_decline_quiet_days = 100000000\n",
            "calls.firm_decline_quiet_days",
            "不能大于 3650",
            "at most 3650",
        ),
        ("[tiers]\nquick_wealth = -5\n", "tiers.quick_wealth", "金额不能为负数", "cannot be negative"),
        ("[calls]\ndaily_targett = 12\n", "calls.daily_targett", "未知的键", "unknown key"),
        ('[calls]\ndaily_target = "ten"\n', "calls.daily_target", "不是整数", "not a whole number"),
        (
            '[suitability]\ninsisted_sale_categories = ["car"]\n',
            "suitability.insisted_sale_categories.0",
            "应为",
            "one of",
        ),
        ("[calls\n", "-", "第 1 行", "line 1"),
    ],
)
def test_a_loosening_or_broken_policy_is_refused_at_start_in_the_users_language(
    runner: CliRunner, tmp_path: Path, policy: str, key: str, zh: str, en: str
) -> None:
    path = write(tmp_path / "policy.toml", policy)
    config = write(tmp_path / "config.toml", f'policy_file = "{path}"\n')
    db = f"sqlite:///{tmp_path / 'a.db'}"
    for lang, fragment, opening in (("zh_CN", zh, "网点政策文件"), ("en", en, "The branch policy file")):
        result = runner.invoke(main, ["--lang", lang, "--config", str(config), "--db", db])
        line = one_clean_line(result, str(path), fragment)
        assert line.startswith(opening)
        assert key == "-" or f"{key}：" in line or f"{key}: " in line
        if lang == "zh_CN":
            assert not any(word in line for word in ("must", "should", "regulator", "valid"))
    assert not (tmp_path / "a.db").exists()


def test_a_file_saved_with_a_byte_order_mark_is_read(runner: CliRunner, tmp_path: Path) -> None:
    """Windows Notepad starts UTF-8 with a BOM: the file is fine, and "not valid TOML at line 1" would not say why."""
    config = tmp_path / "config.toml"
    config.write_bytes('\ufefflang = "en"\n[keymap]\n"nav.quue" = "2"\n'.encode())
    assert read_small_text(config) == 'lang = "en"\n[keymap]\n"nav.quue" = "2"\n'
    assert settings_language(config, {}) == "en"
    one_clean_line(runner.invoke(main, ["--config", str(config), "db", "upgrade"]), "The settings file", "nav.quue")
    policy = tmp_path / "policy.toml"
    policy.write_bytes("\ufeff[assessment]\nmax_per_day = 1\n".encode())
    assert load_policy(policy).assessment.max_per_day == 1


def test_the_readmes_settings_example_is_taken(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    config = write(tmp_path / "config.toml", example)
    write(tmp_path / "policy.toml", "")
    settings = load_settings(config, binding_ids=binding_ids, keymap_clashes=keymap_clashes)
    assert settings.keymap and settings.policy_file == tmp_path / "policy.toml"
