use super::ValueError;

/// ISO 3166-1 alpha-2 codes (officially assigned).
const ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ \
UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses a code such as `DE` or `de`; unassigned codes are refused.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValueError::Missing);
        }
        let b = s.as_bytes();
        if b.len() != 2 || !b.iter().all(u8::is_ascii_alphabetic) {
            return Err(ValueError::Malformed("a country is a two-letter ISO 3166-1 code"));
        }
        // Every stored address is parsed on every read: no allocation, no splitting.
        let code = [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()];
        if !ALPHA2.as_bytes().chunks(3).any(|c| c[..2] == code) {
            return Err(ValueError::Unknown("ISO 3166-1 country code"));
        }
        Ok(Self(code))
    }

    /// The code as text, e.g. `DE`.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_parse_in_any_case_and_others_are_refused() {
        assert_eq!(CountryCode::parse("de").unwrap().as_str(), "DE");
        assert_eq!(CountryCode::parse("US").unwrap().as_str(), "US");
        assert_eq!(
            CountryCode::parse("XX"),
            Err(ValueError::Unknown("ISO 3166-1 country code"))
        );
        assert!(CountryCode::parse("DEU").is_err());
        assert_eq!(ALPHA2.split(' ').count(), 249);
        // Every listed code parses, the first and last included; non-letters do not.
        assert!(ALPHA2
            .split(' ')
            .all(|c| CountryCode::parse(c).is_ok_and(|p| p.as_str() == c)));
        assert_eq!(CountryCode::parse(" zw ").unwrap().as_str(), "ZW");
        assert!(CountryCode::parse("D1").is_err());
        assert!(CountryCode::parse("Dé").is_err());
    }
}
