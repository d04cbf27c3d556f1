"""The account file carries the daily check-ins and the followed symptoms, and brings them back.

Export writes them as two sections, "followed" and "checkins", one record per line; the import
checks each record as the check-in page does, names every problem by its line, writes nothing
when there is any, and keeps what the account already has (a check-in keeps its own score).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from tests.factories import SupplementEntryFactory, SymptomEntryFactory, UserFactory
from tests.tracker.test_import import (
    confirm,
    export,
    import_file,
    preview_html,
    problems_of,
    upload,
)
from tracker import services, transfer
from tracker.models import CheckIn, FollowedSymptom, IntakeEntry, SymptomEntry
from tracker.views.transfer import SESSION_KEY

TODAY = date.today()
DAY1 = TODAY - timedelta(days=30)
DAY2 = TODAY - timedelta(days=29)


# --- Helpers -------------------------------------------------------------------------------


def follow(owner, *codes: str) -> None:
    services.set_followed(owner=owner, symptoms=codes)


def score(owner, day: date, **scores: int) -> None:
    services.save_checkin(owner=owner, day=day, scores=scores)


def checkin_rows(owner) -> list[tuple[date, str, int]]:
    return list(
        CheckIn.objects.filter(owner=owner)
        .order_by("day", "symptom")
        .values_list("day", "symptom", "score")
    )


def followed_of(owner) -> list[str]:
    return list(
        FollowedSymptom.objects.filter(owner=owner).order_by("id").values_list("symptom", flat=True)
    )


def stored() -> tuple[int, int, int, int]:
    return (
        IntakeEntry.objects.count(),
        SymptomEntry.objects.count(),
        FollowedSymptom.objects.count(),
        CheckIn.objects.count(),
    )


def account_file(**sections) -> str:
    """An account file laid out as the export lays it out (one record per line); sections
    not given are left out, as in an older export."""
    head = {"format": transfer.ACCOUNT_FORMAT, "version": 1, "exported_at": "2026-01-01T00:00:00"}
    parts = ["{\n", *(f"{json.dumps(k)}: {json.dumps(v)},\n" for k, v in head.items())]
    parts.append('"profile": null')
    for name, records in sections.items():
        parts.append(f",\n{json.dumps(name)}: [\n")
        parts.append(",\n".join(json.dumps(r, ensure_ascii=False) for r in records))
        parts.append("\n]")
    parts.append("\n}\n")
    return "".join(parts)


def line_of(text: str, record: dict) -> int:
    """The (1-based) line of ``record`` in ``text``."""
    wanted = json.dumps(record, ensure_ascii=False)
    for number, content in enumerate(text.splitlines(), start=1):
        if content.rstrip(",") == wanted:
            return number
    raise AssertionError(f"{wanted} is not on a line of its own")


# --- Export --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_account_file_holds_followed_symptoms_and_check_ins_one_per_line(logged_in, user):
    follow(user, "sleep", "cramps")
    score(user, DAY2, sleep=1, cramps=4)
    score(user, DAY1, cramps=0)
    follow(user, "sleep")  # cramps unfollowed: its check-ins are kept, and exported

    text = export(logged_in, "/export/account.json").decode()
    data = json.loads(text)

    # The older sections and header keep their names and order; the new ones come last.
    assert list(data) == [
        "format",
        "version",
        "exported_at",
        "profile",
        "products",
        "foods",
        "entries",
        "symptoms",
        "followed",
        "checkins",
    ]
    assert data["version"] == 1
    assert data["followed"] == [{"symptom": "sleep"}]
    assert data["checkins"] == [
        {"date": DAY1.isoformat(), "symptom": "cramps", "score": 0},
        {"date": DAY2.isoformat(), "symptom": "cramps", "score": 4},
        {"date": DAY2.isoformat(), "symptom": "sleep", "score": 1},
    ]
    for record in data["checkins"] + data["followed"]:
        line_of(text, record)  # each on a line of its own


def _export_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        export(client, "/export/account.json")
    return len(captured)


@pytest.mark.django_db
def test_the_export_reads_check_ins_with_a_fixed_number_of_queries(logged_in, user):
    follow(user, "cramps")
    score(user, DAY1, cramps=2)
    export(logged_in, "/export/account.json")  # warm-up: session, content types
    one = _export_queries(logged_in)
    follow(user, *[c for c, _ in CheckIn._meta.get_field("symptom").choices])
    CheckIn.objects.bulk_create(
        CheckIn(owner=user, day=TODAY - timedelta(days=n), symptom="sleep", score=n % 5)
        for n in range(1, 200)
    )
    assert CheckIn.objects.filter(owner=user).count() == 200
    text = export(logged_in, "/export/account.json").decode()
    assert len(json.loads(text)["checkins"]) == 200
    assert _export_queries(logged_in) == one


# --- Round trip ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_then_import_into_a_new_account_keeps_check_ins_and_followed(client):
    source = UserFactory()
    follow(source, "anxiety", "sleep", "cramps")
    score(source, DAY1, anxiety=0, sleep=3, cramps=1)
    score(source, DAY2, anxiety=4, sleep=2)
    follow(source, "sleep", "cramps")  # anxiety's history stays without being followed
    SymptomEntryFactory(owner=source, day=DAY1, symptom="cramps", severity=2)
    client.force_login(source)
    content = export(client, "/export/account.json")

    target = UserFactory()
    client.force_login(target)
    assert upload(client, content, name="account.json").status_code == 302
    html = preview_html(client)
    assert "It also adds <strong>5 check-ins and 2 followed symptoms</strong>." in html
    response = confirm(client)
    assert response.status_code == 302
    assert response["Location"] == f"/week/{DAY2.isoformat()}/"

    assert followed_of(target) == followed_of(source) == ["sleep", "cramps"]
    assert checkin_rows(target) == checkin_rows(source)
    assert len(checkin_rows(target)) == 5
    for obj in [*CheckIn.objects.filter(owner=target), *FollowedSymptom.objects.all()]:
        obj.full_clean()  # apply_plan skips it; the reader's checks must have been enough
    assert SymptomEntry.objects.filter(owner=target).count() == 1
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Imported 0 entries, 1 symptom, 5 check-ins and 2 followed symptoms."]


@pytest.mark.django_db
def test_the_preview_counts_one_check_in_in_words(client):
    source = UserFactory()
    follow(source, "fatigue")
    score(source, DAY1, fatigue=2)
    client.force_login(source)
    content = export(client, "/export/account.json")
    client.force_login(UserFactory())
    upload(client, content, name="account.json")
    assert "It also adds <strong>1 check-in and 1 followed symptom</strong>." in preview_html(
        client
    )


@pytest.mark.django_db
def test_an_older_account_file_without_the_sections_imports_as_before(client):
    source = UserFactory()
    SupplementEntryFactory(owner=source, day=DAY1)
    SymptomEntryFactory(owner=source, day=DAY1, symptom="cramps", severity=3)
    client.force_login(source)
    text = export(client, "/export/account.json").decode()
    # An export from before check-ins: the same file, ending after "symptoms".
    start = text.index(',\n"followed": [')
    old = text[:start] + "\n}\n"
    assert '"checkins"' not in old and '"followed"' not in old
    assert json.loads(old)["symptoms"]

    target = UserFactory()
    follow(target, "cramps")
    score(target, DAY1, cramps=3)
    client.force_login(target)
    assert upload(client, old, name="account.json").status_code == 302
    html = preview_html(client)
    assert 'data-testid="import-problems"' not in html
    assert 'data-testid="import-checkins"' not in html
    response = confirm(client)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Imported 1 entry, 1 symptom, 1 new product."]
    assert IntakeEntry.objects.filter(owner=target).count() == 1
    assert SymptomEntry.objects.filter(owner=target).count() == 1
    # The account's own check-in settings and scores are untouched.
    assert followed_of(target) == ["cramps"]
    assert checkin_rows(target) == [(DAY1, "cramps", 3)]


# --- What the account already has ----------------------------------------------------------


@pytest.mark.django_db
def test_importing_again_adds_no_duplicates_and_keeps_the_accounts_scores(client):
    source = UserFactory()
    follow(source, "sleep", "headache")
    score(source, DAY1, sleep=1, headache=0)
    score(source, DAY2, sleep=2)
    client.force_login(source)
    content = export(client, "/export/account.json")

    target = UserFactory()
    client.force_login(target)
    import_file(client, content, name="account.json")
    assert checkin_rows(target) == checkin_rows(source)
    score(target, DAY1, sleep=4)  # the person changes a score after the first import

    assert upload(client, content, name="account.json").status_code == 302
    html = preview_html(client)
    assert (
        "It also adds <strong>no check-ins</strong>; already in your account and kept as they "
        "are: 3 check-ins (with your own scores) and 2 followed symptoms." in html
    )
    response = confirm(client)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Imported 0 entries, 0 symptoms. Already there and kept: 3 check-ins (with your own "
        "scores) and 2 followed symptoms."
    ]
    assert followed_of(target) == ["sleep", "headache"]
    assert checkin_rows(target) == [
        (DAY1, "headache", 0),
        (DAY1, "sleep", 4),  # the account's own score, not the file's 1
        (DAY2, "sleep", 2),
    ]


@pytest.mark.django_db
def test_some_check_ins_new_and_some_already_there(logged_in, user):
    follow(user, "cramps")
    score(user, DAY1, cramps=4)
    text = account_file(
        followed=[{"symptom": "cramps"}, {"symptom": "palpitations"}],
        checkins=[
            {"date": DAY1.isoformat(), "symptom": "cramps", "score": 1},
            {"date": DAY1.isoformat(), "symptom": "palpitations", "score": 2},
            {"date": DAY2.isoformat(), "symptom": "cramps", "score": 0},
        ],
    )
    upload(logged_in, text, name="account.json")
    html = preview_html(logged_in)
    assert (
        "It also adds <strong>2 check-ins and 1 followed symptom</strong>; already in your "
        "account and kept as they are: 1 check-in (with your own score) and 1 followed "
        "symptom." in html
    )
    confirm(logged_in)
    assert followed_of(user) == ["cramps", "palpitations"]
    assert checkin_rows(user) == [
        (DAY1, "cramps", 4),
        (DAY1, "palpitations", 2),
        (DAY2, "cramps", 0),
    ]


@pytest.mark.django_db
def test_a_check_in_saved_after_the_preview_keeps_its_score(user):
    """apply_plan reads the account's check-ins again inside the person's lock, so a check-in
    saved between reading the file and writing it is neither duplicated nor overwritten."""
    text = account_file(
        followed=[{"symptom": "diarrhea"}],
        checkins=[{"date": DAY1.isoformat(), "symptom": "diarrhea", "score": 1}],
    )
    plan = transfer.parse_upload(text, user)
    assert plan.ok and plan.new_checkins == 1 and plan.new_followed == 1
    follow(user, "diarrhea")
    score(user, DAY1, diarrhea=3)

    result = transfer.apply_plan(plan, user)

    assert (result.checkins, result.checkins_there) == (0, 1)
    assert (result.followed, result.followed_there) == (0, 1)
    assert followed_of(user) == ["diarrhea"]
    assert checkin_rows(user) == [(DAY1, "diarrhea", 3)]


@pytest.mark.django_db
def test_a_failure_while_writing_check_ins_leaves_nothing(client, monkeypatch):
    source = UserFactory()
    SupplementEntryFactory(owner=source, day=DAY1)
    follow(source, "cramps")
    score(source, DAY1, cramps=2)
    client.force_login(source)
    content = export(client, "/export/account.json")
    client.force_login(UserFactory())
    assert upload(client, content, name="account.json").status_code == 302
    before = stored()

    def fail(*args, **kwargs):
        raise IntegrityError("simulated failure while writing the check-ins")

    monkeypatch.setattr(CheckIn.objects, "bulk_create", fail)
    assert confirm(client).status_code == 302
    assert stored() == before  # the entry and the followed symptom were rolled back too
    assert SESSION_KEY in client.session


# --- Bad records ---------------------------------------------------------------------------

GOOD_FOLLOW = {"symptom": "cramps"}
GOOD = {"date": DAY1.isoformat(), "symptom": "cramps", "score": 2}
LATER = (TODAY + timedelta(days=5)).isoformat()
DAY_BEFORE_BIRTH = "1990-05-16"  # UserFactory's date of birth is 17 May 1990


def _checkin(**changes) -> dict:
    record = {**GOOD, **changes}
    return {k: v for k, v in record.items() if v is not ...}


BAD_CHECKINS = [
    pytest.param(_checkin(symptom="tinnitus"), "symptom “tinnitus” is not one of", id="symptom"),
    pytest.param(_checkin(symptom="other"), "symptom “other” is not one of", id="not-a-checkin"),
    pytest.param(_checkin(symptom=...), "symptom is missing or not text", id="no-symptom"),
    pytest.param(_checkin(symptom=3), "symptom is missing or not text", id="symptom-number"),
    pytest.param(_checkin(score=5), "score “5” must be a whole number from 0 to 4", id="5"),
    pytest.param(_checkin(score=-1), "score “-1” must be a whole number from 0 to 4", id="-1"),
    pytest.param(_checkin(score=2.5), "score must be a whole number from 0 to 4", id="2.5"),
    pytest.param(_checkin(score="high"), "score “high” must be a whole", id="text"),
    pytest.param(_checkin(score=True), "score must be a whole number", id="true"),
    pytest.param(_checkin(score=None), "score is missing", id="null"),
    pytest.param(_checkin(score=...), "score is missing", id="no-score"),
    pytest.param(_checkin(date="2026-13-01"), "date “2026-13-01” is not a real date", id="month"),
    pytest.param(_checkin(date="01/02/2026"), "is not a date written YYYY-MM-DD", id="format"),
    pytest.param(_checkin(date=...), "is not a date written YYYY-MM-DD", id="no-date"),
    pytest.param(_checkin(date="1899-12-31"), "date 1899-12-31 is before 1900", id="1899"),
    pytest.param(_checkin(date=LATER), f"date {LATER} is in the future", id="future"),
    pytest.param(
        _checkin(date=DAY_BEFORE_BIRTH), "That day is before your date of birth", id="birth"
    ),
    pytest.param(
        _checkin(symptom="x" * 10_000),
        "symptom is 10000 characters long; no check-in symptom is longer than",
        id="oversized",
    ),
    pytest.param(
        _checkin(symptom="cramps\u202e"), "symptom holds a control character (U+202E)", id="bidi"
    ),
    pytest.param(
        _checkin(date="2026-01-0\x1b1"), "date holds a control character (U+001B)", id="escape"
    ),
    pytest.param(_checkin(score="2\x07"), "score holds a control character (U+0007)", id="bell"),
    pytest.param([GOOD], "not a record", id="list"),
    pytest.param("cramps", "not a record", id="text-record"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("record", "message"), BAD_CHECKINS)
def test_a_bad_check_in_is_named_by_its_line_and_nothing_is_written(
    logged_in, user, record, message
):
    SupplementEntryFactory(owner=user, day=DAY1)  # the account's own, for its entry count
    text = account_file(
        symptoms=[{"date": DAY1.isoformat(), "symptom": "cramps", "severity": 2, "note": ""}],
        followed=[GOOD_FOLLOW],
        checkins=[GOOD | {"symptom": "sleep"}, record],
    )
    before = stored()
    problems = problems_of(logged_in, text, name="account.json")
    line = (
        line_of(text, record)
        if isinstance(record, dict)
        else text.splitlines().index(json.dumps(record)) + 1
    )
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"Line {line}, checkins #2: "), problems
    assert message in problems[0], problems
    assert confirm(logged_in).status_code == 200  # the preview again, with its problems
    assert stored() == before


BAD_FOLLOWED = [
    pytest.param({"symptom": "tinnitus"}, "symptom “tinnitus” is not one of", id="unknown"),
    pytest.param({}, "symptom is missing or not text", id="missing"),
    pytest.param({"symptom": None}, "symptom is missing or not text", id="null"),
    pytest.param({"symptom": "y" * 5000}, "symptom is 5000 characters long", id="oversized"),
    pytest.param(
        {"symptom": "\u200bsleep"}, "symptom holds a control character (U+200B)", id="zwsp"
    ),
    pytest.param("sleep", "not a record", id="text-record"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("record", "message"), BAD_FOLLOWED)
def test_a_bad_followed_symptom_is_named_by_its_line_and_nothing_is_written(
    logged_in, record, message
):
    text = account_file(followed=[GOOD_FOLLOW, record], checkins=[GOOD])
    before = stored()
    problems = problems_of(logged_in, text, name="account.json")
    line = text.splitlines().index(json.dumps(record, ensure_ascii=False)) + 1
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"Line {line}, followed #2: "), problems
    assert message in problems[0], problems
    assert confirm(logged_in).status_code == 200
    assert stored() == before


@pytest.mark.django_db
def test_two_check_ins_of_one_symptom_on_one_day_are_refused(logged_in):
    text = account_file(checkins=[GOOD, GOOD | {"score": 0}])
    problems = problems_of(logged_in, text, name="account.json")
    first = line_of(text, GOOD)
    assert problems == [
        f"Line {first + 1}, checkins #2: the file already has a check-in of cramps on "
        f"{DAY1.isoformat()} (line {first}, checkins #1)"
    ]
    assert confirm(logged_in).status_code == 200
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("section", ["checkins", "followed"])
def test_a_section_that_is_not_a_list_is_refused(logged_in, section):
    data = json.loads(account_file(followed=[GOOD_FOLLOW], checkins=[GOOD]))
    data[section] = {"symptom": "cramps"}
    text = json.dumps(data)
    problems = problems_of(logged_in, text, name="account.json")
    assert f"“{section}” should be a list" in problems
    assert not CheckIn.objects.exists() and not FollowedSymptom.objects.exists()


@pytest.mark.django_db
def test_a_check_in_before_the_date_of_birth_in_the_files_profile_is_refused(logged_in):
    data = json.loads(account_file(checkins=[GOOD]))
    data["profile"] = {"date_of_birth": (DAY1 + timedelta(days=1)).isoformat()}
    problems = problems_of(logged_in, json.dumps(data), name="account.json")
    assert problems == [
        f"Checkins #1: date {DAY1.isoformat()} is before the date of birth in the file's profile"
    ]


@pytest.mark.django_db
def test_check_ins_count_toward_the_rows_one_import_takes(client, monkeypatch):
    from tracker.transfer import account_file as reader
    from tracker.transfer import formats

    for module in (formats, reader):
        monkeypatch.setattr(module, "MAX_IMPORT_ROWS", 3)
    source = UserFactory()
    follow(source, "sleep")
    for n in range(1, 4):
        score(source, TODAY - timedelta(days=n), sleep=n)
    client.force_login(source)
    content = export(client, "/export/account.json")  # 1 followed + 3 check-ins: 4 rows
    client.force_login(UserFactory())
    problems = problems_of(client, content, name="account.json")
    assert len(problems) == 1 and problems[0].startswith("The file has more than 3 rows")
    assert confirm(client).status_code == 200
    assert CheckIn.objects.count() == 3  # the source's own, nothing more


@pytest.mark.django_db
def test_reading_check_ins_costs_the_same_queries_for_1_or_200(user):
    def queries(n: int) -> int:
        text = account_file(
            followed=[{"symptom": "sleep"}],
            checkins=[
                {"date": (TODAY - timedelta(days=d)).isoformat(), "symptom": "sleep", "score": 1}
                for d in range(1, n + 1)
            ],
        )
        with CaptureQueriesContext(connection) as captured:
            plan = transfer.parse_upload(text, user)
        assert plan.ok and len(plan.checkins) == n
        return len(captured)

    assert queries(1) == queries(200)
