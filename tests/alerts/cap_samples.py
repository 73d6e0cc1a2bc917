"""CAP 1.2 messages for the alert tests: Vietnamese warnings written for these tests, and messages shaped
like the examples published with the CAP 1.2 standard (Appendix A), plus hostile and invalid ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from tests.alerts.geo_fixtures import FLOOD_POLYGON

SENDER = "kttv-dongbac@kttv.gov.vn"
ICT = "+07:00"


def stamp(value: datetime) -> str:
    """CAP's time format: seconds, an explicit offset, no fraction (the schema's pattern)."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S") + "+00:00"


def flood_warning(identifier: str = "VN-KTTV-2026-0815", *, sent: datetime | None = None,
                  expires: datetime | None = None, polygon: str = FLOOD_POLYGON, msg_type: str = "Alert",
                  references: str = "", note: str = "", headline: str = "Cảnh báo lũ quét trên sông Kỳ Cùng",
                  description: str = "Mưa lớn kéo dài gây nguy cơ lũ quét và sạt lở đất tại các xã ven sông Kỳ Cùng.",
                  instruction: str = "Bà con khẩn trương di chuyển người và tài sản lên nơi cao, không qua suối.",
                  severity: str = "Extreme", urgency: str = "Immediate", certainty: str = "Likely",
                  sender: str = SENDER, english_too: bool = False) -> bytes:
    """A Vietnamese flash-flood warning from the (fictional) north-east hydro-meteorological station."""
    sent = sent or datetime.now(UTC).replace(microsecond=0)
    expires = expires or sent + timedelta(hours=6)
    english = f"""
  <info>
    <language>en-US</language>
    <category>Met</category>
    <event>Flash flood</event>
    <urgency>{urgency}</urgency><severity>{severity}</severity><certainty>{certainty}</certainty>
    <expires>{stamp(expires)}</expires>
    <headline>Flash flood warning, Ky Cung river</headline>
    <description>Heavy rain may cause flash floods.</description>
    <area><areaDesc>Ky Cung valley</areaDesc><polygon>{polygon}</polygon></area>
  </info>""" if english_too else ""
    refs = f"\n  <references>{references}</references>" if references else ""
    note_xml = f"\n  <note>{escape(note)}</note>" if note else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{sender}</sender>
  <sent>{stamp(sent)}</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>{note_xml}{refs}{english}
  <info>
    <language>vi-VN</language>
    <category>Met</category>
    <category>Geo</category>
    <event>Lũ quét</event>
    <responseType>Evacuate</responseType>
    <urgency>{urgency}</urgency>
    <severity>{severity}</severity>
    <certainty>{certainty}</certainty>
    <effective>{stamp(sent)}</effective>
    <expires>{stamp(expires)}</expires>
    <senderName>Đài Khí tượng Thủy văn khu vực Đông Bắc</senderName>
    <headline>{escape(headline)}</headline>
    <description>{escape(description)}</description>
    <instruction>{escape(instruction)}</instruction>
    <area>
      <areaDesc>Thung lũng sông Kỳ Cùng, tỉnh Lạng Sơn</areaDesc>
      <polygon>{polygon}</polygon>
    </area>
  </info>
</alert>""".encode()


def reference(identifier: str, sent: datetime, sender: str = SENDER) -> str:
    return f"{sender},{identifier},{stamp(sent)}"


# Shaped like the standard's Appendix A.2 (severe thunderstorm warning): English only, a US polygon.
THUNDERSTORM = b"""<?xml version = "1.0" encoding = "UTF-8"?>
<alert xmlns = "urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>KSTO1055887203</identifier>
  <sender>KSTO@NWS.NOAA.GOV</sender>
  <sent>2003-06-17T14:57:00-07:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Met</category>
    <event>SEVERE THUNDERSTORM</event>
    <responseType>Shelter</responseType>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Observed</certainty>
    <eventCode><valueName>SAME</valueName><value>SVR</value></eventCode>
    <expires>2003-06-17T16:00:00-07:00</expires>
    <senderName>NATIONAL WEATHER SERVICE SACRAMENTO CA</senderName>
    <headline>SEVERE THUNDERSTORM WARNING</headline>
    <description>AT 254 PM PDT, A SEVERE THUNDERSTORM WAS LOCATED NEAR THE TOWN.</description>
    <instruction>TAKE COVER IN A SUBSTANTIAL SHELTER UNTIL THE STORM PASSES.</instruction>
    <contact>BARUFFALDI/JUSKIE</contact>
    <area>
      <areaDesc>EXTREME NORTH CENTRAL TUOLUMNE COUNTY IN CALIFORNIA</areaDesc>
      <polygon>38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14</polygon>
      <geocode><valueName>SAME</valueName><value>006109</value></geocode>
    </area>
  </info>
</alert>"""

# Shaped like Appendix A.1 (a homeland-security advisory): no area at all.
ADVISORY = b"""<?xml version = "1.0" encoding = "UTF-8"?>
<alert xmlns = "urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>43b080713727</identifier>
  <sender>hsas@dhs.gov</sender>
  <sent>2003-04-02T14:39:01-05:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Security</category>
    <event>Homeland Security Advisory System Update</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <senderName>U.S. Government, Department of Homeland Security</senderName>
    <headline>Homeland Security Sets Code ORANGE</headline>
    <description>The Department of Homeland Security has elevated the advisory level to ORANGE.</description>
    <area><areaDesc>U.S. nationwide and interests worldwide</areaDesc></area>
  </info>
</alert>"""

# Schema errors: <status> missing; a made-up severity; a time without its offset.
MISSING_STATUS = flood_warning("VN-BAD-1").replace(b"<status>Actual</status>", b"")
BAD_SEVERITY = flood_warning("VN-BAD-2", severity="Catastrophic")
NO_OFFSET = flood_warning("VN-BAD-3").replace(b"+00:00</sent>", b"</sent>")
WRONG_NAMESPACE = flood_warning("VN-BAD-4").replace(b"emergency:cap:1.2", b"emergency:cap:1.1")

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE alert [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>&secret;</identifier><sender>x@y</sender><sent>2026-01-01T00:00:00+07:00</sent>
  <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
</alert>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""
