"""English words that follow "I'm", "my name is", "this is", "Thanks," or "my wife" without being a name.

All lower-case; the detector compares lower-cased words (and the first part of a hyphenated one, so that
"Japanese-Brazilian" is a nationality). Kept apart from the detector because they are long lists, and
because they are where a false positive gets fixed: a new word goes here, not into a pattern.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that make up sentences: articles, pronouns, prepositions, auxiliaries, conjunctions, numbers,
# greetings, and the words of a sign-off. Never a whole name ("My name is Not on the list").
FUNCTION = _words(
    """
    a an the and or but nor so if then than as at by for from in into of off on onto to with without about
    above after against along among around before behind below beneath beside besides between beyond
    during except inside near outside over past per since through throughout till toward towards under
    until upon via within not no yes also too very just only still already even again ever never always
    often sometimes here there now today tonight tomorrow yesterday soon later this that these those it its
    i me my mine myself we us our ours you your yours he him his she her hers they them their theirs who whom
    whose what which when where why how whether is am are was were be been being do does did done have has
    had having can could will would shall should might must let lets please thanks thank thx hello hi
    hey dear sorry okay ok well oh ah all any some every each both either neither none one two three four
    five six seven eight nine ten first second third last next new old other another same such own more most
    much many few less least lot lots something anything nothing everything someone anyone everyone nobody
    somebody anybody everybody sir madam maam ma'am mister miss mr mrs ms dr bye goodbye regards best
    sincerely cheers yours truly kind warm wishes respectfully love greetings morning afternoon evening
    night day week month year years months weeks days hour hours minute minutes time times tell ask call
    meet see contact email send give help
    """
)

# Adjectives, participles and nouns that describe the writer ("I'm Pregnant", "I am Retired", "My name
# is Written wrong") or follow "this is"/"it's" ("This is Urgent").
DESCRIPTIVE = _words(
    """
    moving living looking calling writing asking going trying working staying planning thinking wondering having
    getting leaving coming studying using applying paying raising expecting waiting hoping needing sending
    visiting renting running starting returning bringing taking registering speaking reading retired pregnant
    disabled unemployed employed self self-employed married single divorced widowed separated engaged new
    foreign international exchange permanent temporary senior elderly young student students resident residents
    worker workers trainee intern teacher nurse engineer parent mother father owner tenant landlord landlady
    caregiver volunteer citizen national member customer user visitor guest newcomer beginner foreigner
    foreigners expat expats immigrant newbie sure unsure confused worried concerned interested able unable
    allowed eligible responsible registered enrolled insured covered currently really afraid happy glad fine
    ready late busy sick ill injured hurt lost stuck finished back home away out alone free written spelled
    spelt misspelled wrong right correct incorrect missing different long short difficult hard unusual common
    printed listed shown displayed changed required needed used mistyped typed entered empty blank unknown
    hidden private confidential urgent important confusing strange weird okay good bad great nice important
    possible impossible available unavailable open closed full empty hearing visually impaired deaf blind
    allergic vegetarian vegan halal kosher part full-time part-time mom dad son daughter wife husband kid kids
    child children baby family friend neighbor neighbour roommate partner boyfriend girlfriend grandmother
    grandfather brother sister uncle aunt cousin central north south east west national public prefectural
    municipal civic community memorial main
    """
)

# Nationalities, languages, peoples and religions ("I'm Japanese", "I am Muslim").
NATIONALITIES = _words(
    """
    japanese american british english chinese korean vietnamese filipino filipina pilipino nepali nepalese
    indian indonesian brazilian peruvian thai burmese myanmar cambodian khmer laotian lao malaysian
    singaporean mongolian sri lankan bangladeshi bengali pakistani afghan iranian persian turkish kurdish
    russian ukrainian belarusian french german spanish italian portuguese dutch swedish norwegian danish
    finnish polish czech slovak hungarian romanian bulgarian greek serbian croatian canadian australian
    mexican colombian argentine argentinian chilean bolivian paraguayan uruguayan venezuelan ecuadorian
    cuban nigerian ghanaian kenyan ethiopian egyptian moroccan tunisian algerian south african taiwanese
    hongkonger irish scottish welsh kiwi zealander asian european african latino latina hispanic arab
    arabic hindi urdu tagalog bahasa malay tamil telugu sinhala sinhalese uzbek kazakh kyrgyz muslim
    moslem buddhist hindu catholic protestant jewish sikh mormon orthodox baptist methodist evangelical
    jain shinto atheist agnostic japanese-american japanese-brazilian nikkei
    """
)

# Countries, regions and Japanese places a resident mentions ("I'm in Osaka", "This is Tokyo").
PLACES = _words(
    """
    japan tokyo osaka kyoto yokohama nagoya kobe sapporo fukuoka sendai hiroshima okinawa hokkaido chiba
    saitama kanagawa gunma tochigi ibaraki shizuoka hamamatsu niigata nagano aichi gifu mie nara wakayama
    hyogo okayama kumamoto kagoshima nagasaki oita miyazaki kochi ehime kagawa tokushima shimane tottori
    yamaguchi fukui ishikawa toyama yamanashi akita aomori iwate miyagi fukushima yamagata kawasaki
    shinjuku shibuya ikebukuro ueno ginza umeda namba tenjin vietnam nepal china korea philippines india
    indonesia brazil peru thailand taiwan america usa us uk england britain canada australia france
    germany spain italy russia ukraine mexico hanoi saigon manila cebu kathmandu beijing shanghai seoul
    busan jakarta bali bangkok delhi mumbai chennai dhaka lima europe asia africa
    """
)

# Buildings, offices, organisations and the shops and apps everybody names: the last word of "City Hall",
# "Tokyo Station", and "It's Lawson".
INSTITUTIONS = _words(
    """
    town city village ward prefecture county district office hall center centre station school
    university college kindergarten nursery hospital clinic library park bank post police embassy
    consulate immigration airport street road avenue building apartment apartments mansion heights tower
    residence house housing estate realty properties agency plaza mall market store shop company
    corporation corp inc ltd co section division department desk counter window room floor gym pool
    museum temple shrine church mosque line bus train route app portal navi system service services work
    association club team group committee council government ministry court festival matsuri fair event
    lawson familymart seicomart ministop aeon daiso uniqlo muji nitori donki paypay suica pasmo amazon google
    facebook instagram
    """
)

# Months, days and holidays ("It's Monday", "Marine Day"), written out: Thu and Mai are names too.
CALENDAR = _words(
    """
    january february march april may june july august september october november december monday tuesday
    wednesday thursday friday saturday sunday christmas easter obon golden silver new weekend holiday
    holidays
    """
)

# After the first word of a name: where the name stops when a question is typed in Title Case
# ("I'm Kenji Sato And I Live Here"). Short name words (An, Le, Do, Mai, My, Van) are not in it.
NAME_ENDS = _words(
    """
    and or but so from in at on of for with the is am are was were will would can could have has had i im
    i'm this that it who which please thanks thank hello hi calling speaking here writing again living
    moving working staying looking trying asking going coming
    """
)

# Words before -san/-chan that are people but not names: おじさん (oji-san), おばあちゃん, おねえさん.
KINSHIP_ROMAJI = _words("oji ojii oba obaa onii onee okaa otou kaa tou nii nee ani ane aka bou o okyaku kyaku")

# Words of the lists above that are also given names or surnames (May, Will, Joy, Park, Lee, Do, Son): after
# "my name is" or a title, a capitalised one is the name.
NAMELIKE = _words(
    """
    may will june april august joy hope grace faith rose mark bill art sunny summer autumn dawn eve ivy lily
    jade ruby pearl young long king rich price hall park lee ma an le do to ho my mai so la son jin min kim
    chase hunter guy sue pat frank earl baker cook mason wood brown white green black gray grey
    """
)

# Given names that are also what a person says they are ("I'm Christian", "I'm Black"): not a name alone.
ADJECTIVE_NAMES = _words("christian black white brown green young rich")
