from __future__ import annotations

from pathlib import Path

import pytest

from agent_desktop.policy import SETTINGS, PolicyError, load_settings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "etc" / "policy.toml", tmp_path / "config" / "settings.toml"


def test_every_setting_has_a_description_and_a_valid_default() -> None:
    for name, setting in SETTINGS.items():
        assert setting.description, name
        assert setting.check(setting.default) is None, name
        assert "." in name


def test_defaults_apply_without_any_file(files: tuple[Path, Path]) -> None:
    policy, user = files
    s = load_settings(policy_file=policy, user_file=user)
    assert s.get("vault.idle_lock_minutes") == 10
    assert s.info("vault.idle_lock_minutes").source == "default"
    assert not s.policy_present
    assert s.warnings == []


def test_policy_overrides_default_and_user_overrides_unlocked_policy(files: tuple[Path, Path]) -> None:
    policy, user = files
    write(policy, '[audit]\nsync_interval_seconds = 60\n[ui]\nlanguage = "es"\n')
    write(user, '[ui]\nlanguage = "en"\n')
    s = load_settings(policy_file=policy, user_file=user)
    assert s.get("audit.sync_interval_seconds") == 60
    assert s.info("audit.sync_interval_seconds").source == "policy"
    assert s.get("ui.language") == "en"
    assert s.info("ui.language").source == "user"


def test_locked_policy_value_wins_over_user_and_warns(files: tuple[Path, Path]) -> None:
    policy, user = files
    write(policy, '[policy]\nlocked = ["ui.language"]\n[ui]\nlanguage = "es"\n')
    write(user, '[ui]\nlanguage = "en"\n')
    s = load_settings(policy_file=policy, user_file=user)
    assert s.get("ui.language") == "es"
    assert s.locked("ui.language")
    assert any("ui.language" in w and "policy" in w for w in s.warnings)
    with pytest.raises(PolicyError, match="locked"):
        s.set_user("ui.language", "en")


def test_lock_all_locks_every_lockable_setting(files: tuple[Path, Path]) -> None:
    policy, user = files
    write(policy, '[policy]\nlocked = ["*"]\n')
    s = load_settings(policy_file=policy, user_file=user)
    assert s.locked_keys() == sorted(n for n, st in SETTINGS.items() if st.lockable)


def test_policy_only_settings_ignore_user_values(files: tuple[Path, Path]) -> None:
    policy, user = files
    write(user, '[sip]\nsrtp_required = false\n')
    s = load_settings(policy_file=policy, user_file=user)
    assert s.get("sip.srtp_required") is True
    assert s.locked("sip.srtp_required")


def test_user_may_lower_idle_lock_below_policy_ceiling(files: tuple[Path, Path]) -> None:
    policy, user = files
    write(policy, "[vault]\nidle_lock_minutes = 5\n")
    write(user, "[vault]\nidle_lock_minutes = 2\n")
    s = load_settings(policy_file=policy, user_file=user)
    assert s.get("vault.idle_lock_minutes") == 2
    assert s.info("vault.idle_lock_minutes").ceiling == 5


def test_user_value_above_policy_ceiling_is_capped_with_warning(files: tuple[Path, Path]) -> None:
    policy, user = files
    write(policy, "[vault]\nidle_lock_minutes = 5\n")
    write(user, "[vault]\nidle_lock_minutes = 30\n")
    s = load_settings(policy_file=policy, user_file=user)
    assert s.get("vault.idle_lock_minutes") == 5
    assert any("above the maximum of 5" in w for w in s.warnings)
    with pytest.raises(PolicyError, match="above the maximum of 5 set by policy"):
        s.set_user("vault.idle_lock_minutes", 6)


def test_set_user_persists_private_file_and_reloads(files: tuple[Path, Path]) -> None:
    policy, user = files
    s = load_settings(policy_file=policy, user_file=user)
    s2 = s.set_user("vault.idle_lock_minutes", 3)
    assert s2.get("vault.idle_lock_minutes") == 3
    assert (user.stat().st_mode & 0o777) == 0o600
    assert load_settings(policy_file=policy, user_file=user).get("vault.idle_lock_minutes") == 3


def test_set_user_rejects_out_of_bounds_and_unknown(files: tuple[Path, Path]) -> None:
    policy, user = files
    s = load_settings(policy_file=policy, user_file=user)
    with pytest.raises(PolicyError, match="vault.idle_lock_minutes: 0 is below the minimum of 1"):
        s.set_user("vault.idle_lock_minutes", 0)
    with pytest.raises(PolicyError, match="unknown setting"):
        s.set_user("vault.idle_minutes", 3)
    assert not user.exists()


def test_system_policy_path_comes_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agent_desktop.paths import AppPaths

    policy = write(tmp_path / "p.toml", '[ui]\nlanguage = "es"\n')
    monkeypatch.setenv("AGENT_DESKTOP_POLICY", str(policy))
    monkeypatch.setenv("AGENT_DESKTOP_HOME", str(tmp_path / "home"))
    paths = AppPaths.from_env()
    assert paths.data == tmp_path / "home" / "data"
    assert paths.user_settings == tmp_path / "home" / "config" / "settings.toml"
    s = load_settings(paths)
    assert s.get("ui.language") == "es" and s.policy_file == policy
