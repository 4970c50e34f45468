import { parseStatusQuery } from '../dialogs/status-dialog';
import { parseSatisfaction, parseSolved } from '../dialogs/rating-dialog';
import { parseConfirmAnswer, parseEditField, parseTypeAnswer } from '../dialogs/complaint-dialog';
import { detectEmergency } from '../dialogs/emergency';
import { extractLocation, extractMobile } from '../dialogs/extract';
import { checkDescription, cleanText, quoteForDisplay } from '../dialogs/message-input';

const numbers = (t: string) => detectEmergency(t)?.lines.map((l) => l.number) ?? [];

describe('emergency guard', () => {
  it.each([
    ['对面楼着火了，浓烟很大', ['119']],
    ['家里闻到很浓的煤气味', ['119']],
    ['楼下有人在打人，拿着刀', ['110']],
    ['我爸突然晕倒了没有呼吸', ['120']],
    ['路口车祸，有人受伤流了很多血', ['122', '120']],
    ['刚才两车追尾了', ['122']],
    ['电梯里有人被困', ['119']],
    ['我想咨询一下，现在楼下着火了怎么办', ['119']],
  ])('%s → %j', (text, expected) => expect(numbers(text)).toEqual(expected));

  it.each([
    '楼下烧烤店油烟太大，晚上十点还在烤',
    '上个月小区着火的事情处理得怎么样了',
    '咨询一下交通事故责任认定怎么办理',
    '小区消防通道被占，存在火灾隐患',
    '',
  ])('does not fire on %s', (text) => expect(detectEmergency(text)).toBeNull());
});

describe('extraction', () => {
  it('finds addresses and named places', () => {
    expect(extractLocation('我家住在幸福路88号3栋，楼下烧烤店油烟大')).toBe('幸福路88号3栋');
    expect(extractLocation('阳光花园小区门口的路灯坏了')).toBe('阳光花园小区');
    expect(extractLocation('楼下烧烤店油烟太大')).toBeUndefined();
  });
  it('finds a valid mobile number only', () => {
    expect(extractMobile('联系我 138 1234 5678 谢谢')).toBe('13812345678');
    expect(extractMobile('编号12812345678')).toBeUndefined();
  });
});

describe('answers', () => {
  it('reads the chosen type; the last named type wins; yes takes the proposal', () => {
    expect(parseTypeAnswer('是', '投诉')).toBe('投诉');
    expect(parseTypeAnswer('不对，是举报', '投诉')).toBe('举报');
    expect(parseTypeAnswer('不是投诉，是建议', '投诉')).toBe('建议');
    expect(parseTypeAnswer('随便', '投诉')).toBeNull();
  });
  it('reads confirm and edit answers', () => {
    expect(parseConfirmAnswer('确认提交')).toBe('submit');
    expect(parseConfirmAnswer('修改')).toBe('edit');
    expect(parseConfirmAnswer('不对')).toBe('edit');
    expect(parseConfirmAnswer('嗯嗯啊')).toBeNull();
    expect(parseEditField('地点')).toBe('location');
    expect(parseEditField('改一下电话')).toBe('contact');
  });
});

describe('input cleaning', () => {
  it('strips control and invisible characters and never throws', () => {
    expect(cleanText('a\u0000b\u200bc\u202e')).toBe('abc');
    expect(cleanText(undefined)).toBe('');
    expect(cleanText({})).toBe('');
  });
  it('classifies description problems', () => {
    expect(checkDescription('')).toBe('empty');
    expect(checkDescription('😀😀😀')).toBe('no-words');
    expect(checkDescription('漏水')).toBe('too-short');
    expect(checkDescription('漏'.repeat(2001))).toBe('too-long');
    expect(checkDescription('楼下烧烤店油烟太大')).toBeNull();
  });
  it('shows HTML literally when repeating it', () => {
    expect(quoteForDisplay('<script>alert(1)</script>')).toBe('＜script＞alert(1)＜/script＞');
  });
});

describe('rating answers (回访)', () => {
  it.each([
    ['满意', '满意'],
    ['非常满意！', '满意'],
    ['基本满意', '基本满意'],
    ['还行吧', '基本满意'],
    ['还行', '基本满意'],
    ['不满意', '不满意'],
    ['差评', '不满意'],
    ['满意度调查是什么', null],
  ])('%s → %s', (text, expected) => expect(parseSatisfaction(text)).toBe(expected));

  it.each([
    ['已解决', true],
    ['解决了。', true],
    ['是的', true],
    ['没解决', false],
    ['未解决', false],
    ['还没有解决', false],
    ['不知道', null],
  ])('solved? %s → %s', (text, expected) => expect(parseSolved(text)).toBe(expected));
});

describe('status queries (查询进度)', () => {
  it.each([
    ['查询工单进度', { ticketNumber: null }],
    ['2611230042', { ticketNumber: '2611230042' }],
    ['查一下 2611230042', { ticketNumber: '2611230042' }],
    ['我上次反映的问题有进展吗', { ticketNumber: null }],
    ['我的投诉处理得怎么样了', { ticketNumber: null }],
    ['我要投诉，查一下这个商家有没有执照', null],
    ['工地施工进度太慢了，路一直封着', null],
    ['楼下烧烤店油烟太大', null],
  ])('%s → %j', (text, expected) => expect(parseStatusQuery(text)).toEqual(expected));
});
