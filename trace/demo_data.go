package trace

// Constant tables for the demo generator (demo.go). All names are fictional.

// demoCity is a city whose markets sell the demo goods.
type demoCity struct {
	name      string   // 北京
	area      string   // telephone area code
	districts []string // region codes of districts with markets
}

var demoCities = []demoCity{
	{"北京", "010", []string{"110105", "110106", "110108"}},
	{"上海", "021", []string{"310104", "310112", "310115"}},
	{"广州", "020", []string{"440106", "440111", "440113"}},
	{"济南", "0531", []string{"370102", "370112"}},
	{"石家庄", "0311", []string{"130102", "130104"}},
	{"郑州", "0371", []string{"410102", "410105"}},
	{"成都", "028", []string{"510106", "510107"}},
}

// demoOrigin is a producing county: pig farms and slaughterhouses, or vegetable bases.
type demoOrigin struct {
	region string // GB/T 2260
	place  string // short name used in enterprise names
	plate  string // licence plate prefix of its trucks
	abbr   string // initials used in 产地证明 numbers
}

var demoPorkOrigins = []demoOrigin{
	{"370602", "烟台", "鲁F", "ZF"},
	{"370681", "龙口", "鲁F", "LK"},
	{"220122", "农安", "吉A", "NA"},
	{"220182", "榆树", "吉A", "YS"},
	{"370781", "青州", "鲁G", "QZ"},
	{"130681", "涿州", "冀F", "ZZ"},
}

var demoVegOrigins = []demoOrigin{
	{"370783", "寿光", "鲁G", "SG"},   // 0
	{"370281", "胶州", "鲁B", "JZ"},   // 1
	{"130681", "涿州", "冀F", "ZZ"},   // 2
	{"460200", "三亚", "琼B", "SY"},   // 3
	{"530100", "昆明", "云A", "KM"},   // 4
	{"150900", "乌兰察布", "蒙J", "WL"}, // 5
	{"620100", "兰州", "甘A", "LZ"},   // 6
	{"320300", "徐州", "苏C", "XZ"},   // 7
}

// demoCut is a retail pork cut with its usual price in fen per kg.
type demoCut struct {
	name  string
	price int
}

var demoCuts = []demoCut{
	{"前腿肉", 2800}, {"后腿肉", 3000}, {"五花肉", 3400}, {"里脊肉", 3800},
	{"肋排", 3900}, {"猪蹄", 2400}, {"精瘦肉", 3200},
}

// demoVeg is a vegetable: its GB/T 7635.1 code where trace-data.md §2.6 gives one,
// its usual retail price in fen per kg and the indexes of its demoVegOrigins.
type demoVeg struct {
	name    string
	code    string
	price   int
	origins []int
}

var demoVegs = []demoVeg{
	{"大白菜", "", 280, []int{0, 1, 2}},
	{"上海青", "01232012", 600, []int{0, 7}},
	{"芹菜", "01232202", 500, []int{0, 6}},
	{"西芹", "01232301", 680, []int{0, 4}},
	{"西红柿", "", 700, []int{0, 3}},
	{"黄瓜", "", 600, []int{0, 3, 7}},
	{"马铃薯", "01213011", 350, []int{5, 6}},
	{"胡萝卜", "01232402", 400, []int{1, 2}},
	{"洋葱", "01234015", 360, []int{6, 1}},
	{"茄子", "01233402", 650, []int{0, 3}},
	{"平菇", "01237059", 1000, []int{7, 2}},
}

var (
	demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
		"徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐"}
	demoGivenNames = []string{"建国", "秀英", "桂兰", "志强", "海燕", "玉梅", "国庆", "春生",
		"丽华", "卫东", "小军", "红梅", "德明", "淑珍", "永刚", "金凤", "建华", "秀兰", "长海", "立新"}
	demoBrands = []string{"金润", "华康", "恒旺", "康源", "丰泽", "瑞丰", "汇鲜", "德盛",
		"润田", "兴旺", "鑫发"}
	demoSlaughterSuffixes = []string{"肉类加工有限公司", "食品有限公司", "生猪定点屠宰场", "肉联厂"}
	demoMarketWords       = []string{"丰盛", "惠民", "鑫源", "万家", "金穗", "东方", "农兴", "顺达"}
	demoStreets           = []string{"东安街", "幸福路", "建设路", "人民路", "光明路", "和平街",
		"文化路", "新华街", "长青路", "东风路"}
	demoShopBrands = []string{"佳和", "惠家", "邻里", "福万家", "鲜之源", "百姓", "优品"}
	demoFarmWords  = []string{"福源", "兴盛", "宏达", "绿野", "丰华", "康旺", "绿源", "丰禾",
		"鲜农", "田园", "惠农", "金土地"}
)

// Nodes and operators of the fixed chains, with the names trace-data.md §7 gives.
// Random chains that land on the same codes reuse them, so a code always has one name.
var demoFixedNodes = map[string]Node{
	"370602001": {Code: "370602001", Name: "烟台鲁东肉类加工有限公司", Type: NodeSlaughterhouse,
		RegionCode: "370602", Address: "山东省烟台市芝罘区建设路18号"},
	"110106001": {Code: "110106001", Name: "北京丰盛农副产品批发市场", Type: NodeWholesale,
		RegionCode: "110106", Address: "北京市丰台区长青路66号", ServicePhone: "010-63801234"},
	"110106005": {Code: "110106005", Name: "丰台区东安街菜市场", Type: NodeMarket,
		RegionCode: "110106", Address: "北京市丰台区东安街12号", ServicePhone: "010-63805678"},
	"110106012": {Code: "110106012", Name: "佳和超市（丰台店）", Type: NodeSupermarket,
		RegionCode: "110106", Address: "北京市丰台区幸福路3号", ServicePhone: "010-63809012"},
	"310112001": {Code: "310112001", Name: "上海浦江农产品批发市场", Type: NodeWholesale,
		RegionCode: "310112", Address: "上海市闵行区光明路200号", ServicePhone: "021-64301234"},
	"310115023": {Code: "310115023", Name: "浦东新区东明路菜市场", Type: NodeMarket,
		RegionCode: "310115", Address: "上海市浦东新区东明路88号", ServicePhone: "021-58305678"},
}

var demoFixedOperators = map[string]Operator{
	"1101060010023": {Code: "1101060010023", NodeCode: "110106001", Name: "李记肉业",
		Type: OperatorWholesaler, Nature: NatureEnterprise, StallNo: "R-03", RegID: "91110106******4521"},
	"1101060010056": {Code: "1101060010056", NodeCode: "110106001", Name: "刘长海",
		Type: OperatorWholesaler, Nature: NatureIndividual, StallNo: "C-08", RegID: "370783********2317"},
	"1101060050012": {Code: "1101060050012", NodeCode: "110106005", Name: "王建华",
		Type: OperatorRetailer, Nature: NatureIndividual, StallNo: "B-12", RegID: "110106********321X"},
	"1101060120000": {Code: "1101060120000", NodeCode: "110106012", Name: "佳和超市（丰台店）",
		Type: OperatorRetailer, Nature: NatureEnterprise, RegID: "91110106******7730"},
	"3101120010031": {Code: "3101120010031", NodeCode: "310112001", Name: "孙立新",
		Type: OperatorWholesaler, Nature: NatureIndividual, StallNo: "D-15", RegID: "370783********1654"},
	"3101150230007": {Code: "3101150230007", NodeCode: "310115023", Name: "陈桂兰",
		Type: OperatorRetailer, Nature: NatureIndividual, StallNo: "A-07", RegID: "310115********0428"},
}
