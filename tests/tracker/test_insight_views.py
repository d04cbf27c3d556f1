"""The daily check-in, the insight page and the doctor's report, through their views."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import SupplementEntryFactory, SymptomEntryFactory, UserFactory
from tests.insight_scenario import six_weeks
from tracker import services
from tracker.models import CheckIn, FollowedSymptom

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def follow(user, *codes):
    services.set_followed(owner=user, symptoms=codes)


def checkin_data(day=None, **scores) -> dict:
    data = {"day": (day or today()).isoformat()}
    data.update({f"score_{code}": value for code, value in scores.items()})
    return data


# --- following -----------------------------------------------------------------------------


def test_choose_what_to_follow(logged_in, user):
    response = logged_in.post(
        reverse("checkin-follow"), {"symptoms": ["muscle_twitching", "sleep"]}
    )
    assert response.status_code == 302
    assert set(FollowedSymptom.objects.filter(owner=user).values_list("symptom", flat=True)) == {
        "muscle_twitching",
        "sleep",
    }
    logged_in.post(reverse("checkin-follow"), {"symptoms": ["sleep"]})
    assert list(FollowedSymptom.objects.filter(owner=user).values_list("symptom", flat=True)) == [
        "sleep"
    ]


def test_following_an_unknown_symptom_is_a_form_error(logged_in, user):
    response = logged_in.post(reverse("checkin-follow"), {"symptoms": ["plague"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not FollowedSymptom.objects.filter(owner=user).exists()


def test_the_dashboard_invites_to_follow_then_shows_the_check_in(logged_in, user):
    html = logged_in.get("/").content.decode()
    assert "Daily check-in" in html and reverse("checkin-follow") in html
    follow(user, "cramps", "sleep")
    html = logged_in.get("/").content.decode()
    assert 'name="score_cramps"' in html and 'name="score_sleep"' in html
    assert f'action="{reverse("checkin")}"' in html
    yesterday = today() - timedelta(days=1)
    assert f"{reverse('checkin')}?day={yesterday.isoformat()}" in html


# --- checking in: 0 is a real "none", a missing score is no check-in ------------------------


def test_none_today_is_a_zero_and_unrated_is_no_check_in(logged_in, user):
    follow(user, "cramps", "anxiety")
    response = logged_in.post(reverse("checkin"), checkin_data(cramps="0", anxiety=""))
    assert response.status_code == 302
    assert list(CheckIn.objects.filter(owner=user).values_list("symptom", "score")) == [
        ("cramps", 0)
    ]


def test_a_score_can_be_changed_and_taken_back(logged_in, user):
    follow(user, "cramps")
    logged_in.post(reverse("checkin"), checkin_data(cramps="3"))
    logged_in.post(reverse("checkin"), checkin_data(cramps="1"))
    assert CheckIn.objects.get(owner=user).score == 1
    logged_in.post(reverse("checkin"), checkin_data(cramps=""))
    assert not CheckIn.objects.filter(owner=user).exists()


def test_the_dashboard_shows_todays_scores_checked(logged_in, user):
    follow(user, "cramps")
    logged_in.post(reverse("checkin"), checkin_data(cramps="0"))
    html = logged_in.get("/").content.decode()
    assert re.search(r'name="score_cramps"[^>]*value="0" checked', html)


def test_a_past_day_is_checked_in_through_its_link(logged_in, user):
    follow(user, "cramps")
    past = today() - timedelta(days=3)
    page = logged_in.get(reverse("checkin") + f"?day={past.isoformat()}")
    assert page.status_code == 200
    assert f'value="{past.isoformat()}"' in page.content.decode()
    response = logged_in.post(reverse("checkin"), checkin_data(past, cramps="2"))
    assert response.status_code == 302
    assert response.url == reverse("day", kwargs={"day": past.isoformat()})
    assert CheckIn.objects.get(owner=user).day == past


def test_the_day_link_include_carries_the_day():
    from django.template.loader import render_to_string

    day = today() - timedelta(days=2)
    html = render_to_string("tracker/insight/_day_link.html", {"day": day})
    assert f"{reverse('checkin')}?day={day.isoformat()}" in html


def test_an_unfollowed_symptom_is_not_stored(logged_in, user):
    follow(user, "cramps")
    logged_in.post(reverse("checkin"), checkin_data(cramps="1", fatigue="4"))
    assert list(CheckIn.objects.filter(owner=user).values_list("symptom", flat=True)) == ["cramps"]


BAD = {
    "score 5": ({"score_cramps": "5"}, "Select a valid choice"),
    "score -1": ({"score_cramps": "-1"}, "Select a valid choice"),
    "score letters": ({"score_cramps": "bad"}, "Select a valid choice"),
    "two days ahead": ({"day": "__ahead__"}, "more than a day ahead"),
    "no day": ({"day": ""}, "This field is required"),
    "not a day": ({"day": "2026-02-30"}, "Enter a valid date"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_check_in_is_a_form_error(logged_in, user, name):
    follow(user, "cramps")
    overrides, message = BAD[name]
    data = {**checkin_data(cramps="2"), **overrides}
    if data["day"] == "__ahead__":
        data["day"] = (today() + timedelta(days=2)).isoformat()
    response = logged_in.post(reverse("checkin"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_day_before_birth_is_a_form_error(logged_in, user):
    follow(user, "cramps")
    response = logged_in.post(
        reverse("checkin"), checkin_data(user.date_of_birth - timedelta(days=1), cramps="1")
    )
    assert response.status_code == 200
    assert "before your date of birth" in response.content.decode()


def test_a_bad_day_in_the_link_is_404(logged_in, user):
    assert logged_in.get(reverse("checkin") + "?day=2026-13-01").status_code == 404
    assert logged_in.get(reverse("checkin") + "?day=1800-01-01").status_code == 404


def test_a_check_in_is_not_a_symptom_event_and_raises_no_flag(logged_in, user):
    follow(user, "diarrhea")
    SupplementEntryFactory(owner=user, day=today())
    logged_in.post(reverse("checkin"), checkin_data(diarrhea="3"))
    html = logged_in.get("/").content.decode()
    assert "No symptoms logged today." in html
    assert 'data-flag="side_effects"' not in html


def test_pages_need_a_login(client):
    for name in ("checkin", "checkin-follow", "insight", "report"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response.url


# --- the insight page ----------------------------------------------------------------------


def test_insight_shows_twitching_falling_after_glycinate_and_diarrhoea_above_350(logged_in, user):
    found = six_weeks(user, today())
    html = logged_in.get(reverse("insight")).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "An association, not proof." in text
    # Before and after: 14 days at mean 3.0 against 28 days at 32/28 = 1.1.
    row = re.search(rf'data-start="{found["start"]:%Y-%m-%d}">(.*?)</tr>', html, re.S).group(1)
    row_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    assert "you started Calm Glycinate" in row_text
    assert " 3.0 14 days 1.1 28 days -1.9 " in row_text
    assert "to" in row_text and "Lower after" in row_text
    # By dose band.
    assert re.search(r'data-band="none">.*?<td>14</td><td>3.0</td>', html, re.S)
    # Diarrhoea against the dose, with the article's advice.
    assert "Diarrhea on 6 of 9 days above 350 mg, 1 of 33 days below." in text
    assert "If you notice diarrhea, fatigue, or low blood pressure, reduce your dose" in text
    assert "data-advice" in html
    # Other things that change twitching, quoted with their source.
    assert "Common triggers include stress, caffeine, lack of sleep" in text
    assert "A Solution-Oriented Guide" in text


def test_insight_says_not_enough_before_14_check_ins(logged_in, user):
    follow(user, "cramps")
    for i in range(13):
        CheckIn.objects.create(
            owner=user, day=today() - timedelta(days=i), symptom="cramps", score=2
        )
    text = logged_in.get(reverse("insight")).content.decode()
    assert "13 check-ins in the last 180 days" in text
    assert "Not enough check-ins yet" in text


def test_insight_counts_a_zero_but_not_a_missing_day(logged_in, user):
    follow(user, "cramps")
    CheckIn.objects.create(owner=user, day=today(), symptom="cramps", score=0)
    html = logged_in.get(reverse("insight")).content.decode()
    assert "1 check-in in the last 180 days" in html
    assert re.search(r'data-band="none">.*?<td>1</td><td>0.0</td>', html, re.S)


def test_insight_shows_only_ones_own_check_ins(logged_in, user, other_user):
    six_weeks(other_user, today())
    follow(user, "muscle_twitching")
    html = logged_in.get(reverse("insight")).content.decode()
    assert "0 check-ins in the last 180 days" in html
    assert "Calm Glycinate" not in html


def test_unfollowed_logged_side_effects_are_pointed_out(logged_in, user):
    SymptomEntryFactory(owner=user, symptom="diarrhea", day=today())
    html = logged_in.get(reverse("insight")).content.decode()
    assert "You logged diarrhea on 1 day." in html


def test_insight_next_night_for_sleep(logged_in, user):
    follow(user, "sleep")
    for i in range(20):
        day = today() - timedelta(days=i)
        CheckIn.objects.create(owner=user, day=day, symptom="sleep", score=1 if i % 2 else 3)
    html = logged_in.get(reverse("insight")).content.decode()
    assert "data-next-night" in html and "after an evening dose" in html


# --- the report ------------------------------------------------------------------------------


def test_report_names_products_doses_limits_trends_and_sources(logged_in, user):
    user.has_kidney_disease = True
    user.save()
    six_weeks(user, today())
    html = logged_in.get(reverse("report") + "?days=30").content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "last 30 days" in text
    assert "31-50 years" in text and "Male" in text and "kidney disease" in text
    assert "United States (NIH / Institute of Medicine)" in text
    assert "Calm Glycinate (Acme)" in text and "Citrate Plus" in text
    assert "2 capsules" in text and "200 mg elemental" in text
    # Glycinate on the last 28 of the 30 days; the 9 citrate days fall in them too.
    assert "Something was logged on 28 of 30 days" in text
    assert "264.3 mg from supplements" in text  # (28 x 200 + 9 x 200) / 28
    assert "9 days above the upper limit (NIH UL, adult 19+" in text
    assert "Muscle twitching" in text and "Diarrhea on 6 of 9 days above 350 mg" in text
    assert "Magnesium: Fact Sheet for Health Professionals" in text
    assert "https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/" in html
    assert "reduce your dose" in text


def test_report_of_90_days_and_a_bad_choice(logged_in, user):
    assert "last 90 days" in logged_in.get(reverse("report") + "?days=90").content.decode()
    assert "last 30 days" in logged_in.get(reverse("report") + "?days=7").content.decode()


def test_report_for_the_eu_names_its_authority(logged_in, user):
    user.authority = "eu"
    user.save()
    html = logged_in.get(reverse("report")).content.decode()
    assert "European Union (EFSA" in html and "Opinion on the Tolerable Upper Intake" in html


def test_report_for_a_child_names_only_the_upper_limit(logged_in, user):
    user.date_of_birth = today() - timedelta(days=6 * 366)
    user.save()
    text = logged_in.get(reverse("report")).content.decode()
    assert "4-8 years" in text
    assert "above the upper limit (NIH UL" in text
    assert "starting range" not in text and "documented range" not in text


def test_report_has_the_routine_hook_and_print_styles(logged_in):
    html = logged_in.get(reverse("report")).content.decode()
    assert "css/report.css" in html and "js/report.js" in html


# --- query counts do not grow with history ----------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/", "/insight/", "/report/?days=90", "/checkin/"])
def test_query_counts_do_not_grow_with_history(client, url):
    short, long = UserFactory(), UserFactory()
    follow(short, "muscle_twitching", "diarrhea", "sleep")
    SupplementEntryFactory(owner=short, day=today())
    for i in range(3):
        CheckIn.objects.create(
            owner=short, day=today() - timedelta(days=i), symptom="sleep", score=1
        )
    six_weeks(long, today())
    follow(long, "muscle_twitching", "diarrhea", "sleep")
    six_weeks(long, today() - timedelta(days=60))  # twelve weeks of history in all
    counts = []
    for person in (short, long):
        client.force_login(person)
        counts.append(_queries(client, url))
    assert counts[1] <= counts[0], counts
